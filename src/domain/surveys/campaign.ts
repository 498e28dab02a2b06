import { AppError } from '../../core/errors.js';
import type { ConversationRef } from '../../core/types.js';
import type { Services } from '../index.js';
import { surveyCard } from './cards.js';
import type { Survey } from './service.js';

/**
 * Sends a survey campaign to conversations (default: `surveys` subscribers), once per conversation.
 * Shared by `/survey send` and the scheduled campaign (AFTERCARE_SURVEY_CRON).
 */
export async function sendSurveyCampaign(services: Services, templateName: string, targets: ConversationRef[], by: string): Promise<Survey> {
  const template = await services.surveys.template(templateName);
  if (!template) throw new AppError('not_found', 'error.template_not_found', { name: templateName });
  if (targets.length === 0) throw new AppError('invalid_argument', 'error.no_survey_subscribers');
  const survey = await services.surveys.createCampaign(template, targets, by);
  for (const conv of targets) {
    await services.toConversation(conv, (c) => surveyCard(survey, c), { idempotencyKey: `survey:${survey.id}:${conv.platform}:${conv.channelId}`, topic: 'surveys' });
  }
  return survey;
}
