import { effectKey } from '../../core/effects.js';
import { AppError } from '../../core/errors.js';
import { count, emptyTally, tallyWrites, type DayField } from '../digest/figures.js';
import { keys } from '../../core/keys.js';
import type { Write } from '../../core/store.js';
import { conversationKey } from '../../core/ports.js';
import type { ConversationRef } from '../../core/types.js';
import type { AuditLog } from '../audit/service.js';
import type { ServiceDeps } from '../deps.js';

export type SurveyKind = 'csat' | 'nps' | 'custom';

export interface SurveyTemplate {
  name: string;
  /** Message key of the question for built-ins; free text for custom templates. */
  question: string;
  min: number;
  max: number;
}

export interface Survey {
  id: string;
  kind: SurveyKind;
  template: string;
  question: string;
  min: number;
  max: number;
  /** CSAT after a ticket: only this user may answer. */
  ticketId?: string;
  targetUser?: string;
  /** Campaign: the conversations it was sent to (organisations' channels or their people's direct chats); only answers given there count. */
  conversations?: ConversationRef[];
  /** Campaign: the organisation of each conversation it was sent to, by `recipientKey`. */
  orgByConversation?: Record<string, string>;
  /** Campaign: how many people of each organisation it reached (people seen in its channels, or direct chats sent). */
  orgRecipients?: Record<string, number>;
  /** Organisation that may see the answers (customer scope); undefined = deployment-wide. */
  org?: string;
  createdAt: number;
  createdBy: string;
  /** How many people it was sent to, when known (a user = 1; a channel counts once). */
  recipients: number;
}

export interface SurveyAnswer {
  surveyId: string;
  user: string;
  score: number;
  comment?: string;
  at: number;
}

/** A campaign's response rate in one organisation. */
export interface OrgResponse {
  org: string;
  responses: number;
  recipients: number;
  /** responses / recipients (0–1), undefined when nobody of the organisation was known. */
  responseRate?: number;
}

export interface SurveyResults {
  survey: Survey;
  /** Campaigns: per organisation, in name order. */
  byOrg?: OrgResponse[];
  responses: number;
  recipients: number;
  responseRate?: number;
  average?: number;
  distribution: Record<number, number>;
  /** NPS only: promoters − detractors, in percent. */
  nps?: number;
}

export const BUILTIN_TEMPLATES: Record<'csat' | 'nps', SurveyTemplate> = {
  csat: { name: 'csat', question: 'survey.csat_question', min: 1, max: 5 },
  nps: { name: 'nps', question: 'survey.nps_question', min: 0, max: 10 },
};

/**
 * The key a campaign recognises a conversation by: platform, tenant and channel, without a thread
 * (a click on a card in a channel may arrive in a thread of it).
 */
export function recipientKey(ref: ConversationRef): string {
  return conversationKey({ platform: ref.platform, tenantId: ref.tenantId, channelId: ref.channelId });
}

/** One conversation a campaign goes to, and the organisation it belongs to. */
export interface CampaignTarget {
  conversation: ConversationRef;
  org?: string;
}

/** Surveys: CSAT after resolution, NPS and custom campaigns, one answer per person, results. */
export function createSurveys(deps: ServiceDeps, audit: AuditLog) {
  const { store, now } = deps;

  async function load(id: string): Promise<Survey> {
    const s = await store.get<Survey>(keys.survey(id));
    if (!s) throw new AppError('not_found', 'error.survey_not_found', { id });
    return s;
  }

  /**
   * A new survey and the writes that store it, for a caller to put in a batch of its own (with
   * the pushes that show it). Its id is allocated now, the same on every run of a delivery.
   */
  async function draft(input: Omit<Survey, 'id' | 'createdAt'>): Promise<{ survey: Survey; writes: Write[] }> {
    const id = `SVY-${await store.nextId(keys.seq('SVY'), effectKey('survey'))}`;
    const survey: Survey = { ...input, id, createdAt: now() };
    const writes: Write[] = [
      ...tallyWrites({ day: { [`${survey.kind}:sent` satisfies DayField]: input.recipients }, open: {} }, survey.createdAt),
      { op: 'zadd', key: keys.surveys(), member: id, score: survey.createdAt },
      ...(input.targetUser ? [{ op: 'zadd' as const, key: keys.surveyPending(input.targetUser), member: id, score: survey.createdAt }] : []),
      { op: 'set', key: keys.survey(id), value: survey },
      ...audit.entry(input.createdBy, 'survey.created', id, undefined, { kind: input.kind, template: input.template }),
    ];
    return { survey, writes };
  }

  async function create(input: Omit<Survey, 'id' | 'createdAt'>): Promise<Survey> {
    const effect = effectKey('survey-create');
    const { survey, writes } = await draft(input);
    // A run of the same delivery finds the survey its first run stored.
    if (await store.batch(writes, { once: effect })) return survey;
    return load(survey.id);
  }

  return {
    get: load,
    async template(name: string): Promise<SurveyTemplate | undefined> {
      if (name === 'csat' || name === 'nps') return BUILTIN_TEMPLATES[name];
      return store.get<SurveyTemplate>(keys.surveyTemplate(name.toLowerCase()));
    },
    async addTemplate(by: string, template: SurveyTemplate): Promise<void> {
      await store.set(keys.surveyTemplate(template.name.toLowerCase()), template);
      await audit.record(by, 'survey.template', template.name, undefined, template);
    },
    /** The CSAT survey queued for the reporter when their ticket is resolved (once per resolution). */
    /** The CSAT survey for a resolved ticket, to be stored in the batch that also pushes it (see `draft`). */
    async draftCsat(ticketId: string, reporter: string, org: string, by: string): Promise<{ survey: Survey; writes: Write[] }> {
      const t = BUILTIN_TEMPLATES.csat;
      return draft({
        kind: 'csat',
        template: 'csat',
        question: t.question,
        min: t.min,
        max: t.max,
        ticketId,
        targetUser: reporter,
        org,
        createdBy: by,
        recipients: 1,
      });
    },
    /**
     * A campaign to `targets`. `orgRecipients`: people reached per organisation (the response rate's
     * denominator); the total is their sum, or the number of conversations when no people are known.
     */
    async createCampaign(template: SurveyTemplate, targets: CampaignTarget[], by: string, orgRecipients: Record<string, number> = {}): Promise<Survey> {
      const kind: SurveyKind = template.name === 'csat' || template.name === 'nps' ? template.name : 'custom';
      const orgByConversation: Record<string, string> = {};
      for (const t of targets) if (t.org) orgByConversation[recipientKey(t.conversation)] = t.org;
      const people = Object.values(orgRecipients).reduce((a, b) => a + b, 0);
      return create({
        kind,
        template: template.name,
        question: template.question,
        min: template.min,
        max: template.max,
        conversations: targets.map((t) => t.conversation),
        orgByConversation,
        orgRecipients,
        createdBy: by,
        recipients: people || targets.length,
      });
    },
    /**
     * Records one answer per person per survey; a second answer is refused. Only the person a CSAT
     * survey asks, or someone in a conversation a campaign was sent to (`from`), may answer.
     */
    async answer(id: string, user: string, score: number, comment?: string, from?: ConversationRef): Promise<Survey> {
      const survey = await load(id);
      if (survey.targetUser && survey.targetUser !== user) throw new AppError('forbidden', 'error.survey_not_for_you', { id });
      const sentTo = new Set((survey.conversations ?? []).map(recipientKey));
      if (!survey.targetUser && (!from || !sentTo.has(recipientKey(from)))) throw new AppError('forbidden', 'error.survey_not_for_you', { id });
      const org = from ? survey.orgByConversation?.[recipientKey(from)] : undefined;
      if (!Number.isInteger(score) || score < survey.min || score > survey.max) {
        throw new AppError('invalid_argument', 'error.survey_score', { min: survey.min, max: survey.max });
      }
      // The first answer wins; the delivery that gave it is the first again when it runs again.
      const effect = effectKey('survey-answer');
      if ((await store.nextId(keys.surveyAnswered(id, user), effect)) !== 1) {
        throw new AppError('conflict', 'error.survey_already_answered', { id });
      }
      const at = now();
      const answer: SurveyAnswer = { surveyId: id, user, score, comment, at };
      const tally = emptyTally();
      count(tally.day, `${survey.kind}:n`);
      count(tally.day, `${survey.kind}:sum`, score);
      if (survey.kind === 'nps' && score >= 9) count(tally.day, 'nps:promoters');
      if (survey.kind === 'nps' && score <= 6) count(tally.day, 'nps:detractors');
      if (survey.kind === 'csat' && score >= 4) count(tally.day, 'csat:satisfied');
      await store.batch(
        [
          { op: 'hincr', key: keys.surveyStats(id), by: { n: 1, sum: score, [`s:${score}`]: 1, ...(org ? { [`org:${org}`]: 1 } : {}) } },
          ...tallyWrites(tally, at),
          { op: 'zadd', key: keys.surveyAnswers(id), member: user, score: at },
          { op: 'set', key: keys.surveyAnswer(id, user), value: answer },
          ...(survey.targetUser ? [{ op: 'zrem' as const, key: keys.surveyPending(user), member: id }] : []),
          ...audit.entry(user, 'survey.answered', id, undefined, { score }),
        ],
        { once: effect && keys.effectStep(effect, 'answer') },
      );
      return survey;
    },
    /** Surveys waiting for this user's answer (CSAT after their tickets). */
    async pendingFor(user: string): Promise<Survey[]> {
      const ids = await store.zrange(keys.surveyPending(user), -Infinity, Infinity, { limit: 10 });
      return (await store.getMany<Survey>(ids.map((m) => keys.survey(m.member)))).filter((s): s is Survey => s !== undefined);
    },
    async results(id: string): Promise<SurveyResults> {
      const survey = await load(id);
      const stats = await store.hgetall(keys.surveyStats(id));
      const n = stats.n ?? 0;
      const distribution: Record<number, number> = {};
      for (let s = survey.min; s <= survey.max; s++) distribution[s] = stats[`s:${s}`] ?? 0;
      let nps: number | undefined;
      if (survey.kind === 'nps' && n > 0) {
        const promoters = (distribution[9] ?? 0) + (distribution[10] ?? 0);
        let detractors = 0;
        for (let s = 0; s <= 6; s++) detractors += distribution[s] ?? 0;
        nps = Math.round(((promoters - detractors) / n) * 100);
      }
      const rate = (responses: number, recipients: number) => (recipients > 0 ? Math.min(1, responses / recipients) : undefined);
      const orgs = survey.orgRecipients ? Object.keys(survey.orgRecipients).sort() : undefined;
      return {
        survey,
        byOrg: orgs?.map((org) => {
          const responses = stats[`org:${org}`] ?? 0;
          const recipients = survey.orgRecipients![org]!;
          return { org, responses, recipients, responseRate: rate(responses, recipients) };
        }),
        responses: n,
        recipients: survey.recipients,
        responseRate: survey.targetUser || survey.orgRecipients ? rate(n, survey.recipients) : undefined,
        average: n > 0 ? (stats.sum ?? 0) / n : undefined,
        distribution,
        nps,
      };
    },
    async latest(limit = 5): Promise<Survey[]> {
      const ids = await store.zrange(keys.surveys(), -Infinity, Infinity, { reverse: true, limit });
      return (await store.getMany<Survey>(ids.map((m) => keys.survey(m.member)))).filter((s): s is Survey => s !== undefined);
    },
  };
}
export type Surveys = ReturnType<typeof createSurveys>;
