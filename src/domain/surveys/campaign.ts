import { AppError } from '../../core/errors.js';
import type { ConversationRef } from '../../core/types.js';
import type { Services } from '../index.js';
import { surveyCard, surveyResultsCard } from './cards.js';
import type { CampaignTarget, Survey } from './service.js';

/**
 * Who a campaign goes to: the conversation it was sent from (`here`), or customer organisations
 * (all, or those named) through their bound channels, or with `direct` through the direct chats
 * of their people the bot knows (an organisation with none gets its channels instead).
 */
export type CampaignAudience = { here: ConversationRef } | { orgs?: string[]; direct?: boolean };

/** The conversations of a campaign and how many people it reaches per organisation (the response rate's denominator). */
export async function campaignTargets(services: Services, audience: CampaignAudience): Promise<{ targets: CampaignTarget[]; orgRecipients: Record<string, number> }> {
  const { directory } = services;
  const targets: CampaignTarget[] = [];
  const orgRecipients: Record<string, number> = {};
  if ('here' in audience) {
    const org = await directory.orgOf(audience.here);
    targets.push({ conversation: audience.here, org });
    if (org) orgRecipients[org] = (await directory.orgPeople(org)).length;
    return { targets, orgRecipients };
  }
  for (const org of audience.orgs ?? (await directory.orgs())) {
    const people = await directory.orgPeople(org);
    const direct = audience.direct ? people.flatMap((p) => (p.direct ? [p.direct] : [])) : [];
    if (direct.length) {
      targets.push(...direct.map((conversation) => ({ conversation, org })));
      orgRecipients[org] = direct.length;
      continue;
    }
    const channels = await directory.orgConversations(org);
    if (!channels.length) continue;
    targets.push(...channels.map((conversation) => ({ conversation, org })));
    orgRecipients[org] = people.length;
  }
  return { targets, orgRecipients };
}

/** The results card of a campaign, kept up to date in place in the conversations subscribed to `surveys`. */
export const surveyResultsCardKey = (id: string) => `survey:${id}:results`;

/**
 * Shows a campaign's results (response rate per organisation) to the `surveys` subscribers — the
 * manager's channel — updating the same card as answers come in. Channels of customer
 * organisations never get it, even if subscribed: it names every organisation.
 */
export async function publishSurveyResults(services: Services, id: string): Promise<void> {
  const results = await services.surveys.results(id);
  for (const { conversation, locale } of await services.directory.audience('surveys')) {
    if (await services.directory.orgOf(conversation)) continue;
    await services.toConversation(conversation, (c) => surveyResultsCard(results, c), { cardKey: surveyResultsCardKey(id), channelLocale: { locale } });
  }
}

/**
 * Sends a survey campaign to its audience, once per conversation, and shows its results card to
 * the manager's channel. Shared by `/survey send` and the scheduled campaign (AFTERCARE_SURVEY_CRON).
 */
export async function sendSurveyCampaign(services: Services, templateName: string, audience: CampaignAudience, by: string): Promise<Survey> {
  const template = await services.surveys.template(templateName);
  if (!template) throw new AppError('not_found', 'error.template_not_found', { name: templateName });
  const { targets, orgRecipients } = await campaignTargets(services, audience);
  if (targets.length === 0) throw new AppError('invalid_argument', 'error.no_survey_recipients');
  const survey = await services.surveys.createCampaign(template, targets, by, orgRecipients);
  for (const { conversation } of targets) {
    await services.toConversation(conversation, (c) => surveyCard(survey, c), { idempotencyKey: `survey:${survey.id}:${conversation.platform}:${conversation.channelId}` });
  }
  await publishSurveyResults(services, survey.id);
  return survey;
}
