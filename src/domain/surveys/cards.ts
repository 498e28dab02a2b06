import { storedKey } from '../../core/i18n.js';
import type { Block, OutboundMessage } from '../../core/types.js';
import { percent, type CardContext } from '../cards.js';
import type { Survey, SurveyResults } from './service.js';

export function surveyCard(survey: Survey, c: CardContext, ticketTitle?: string): OutboundMessage {
  const { t } = c;
  const builtIn = storedKey(survey.question, 'survey');
  const question = builtIn ? t(builtIn) : survey.question;
  const lead = survey.ticketId ? t('survey.csat_lead', { id: survey.ticketId, title: ticketTitle ?? '' }) : undefined;
  const buttons = [];
  for (let s = survey.min; s <= survey.max; s++) buttons.push({ actionId: 'survey.answer', label: String(s), value: `${survey.id}:${s}` });
  const blocks: Block[] = [];
  if (lead) blocks.push({ type: 'text', text: lead });
  blocks.push({ type: 'text', text: `**${question}**` });
  blocks.push({ type: 'actions', buttons });
  blocks.push({ type: 'context', text: t('survey.scale', { min: survey.min, max: survey.max, id: survey.id }) });
  return { text: `${lead ? lead + ' ' : ''}${question} (${survey.id})`, card: { title: t('survey.title'), tone: 'info', blocks } };
}

export function surveyResultsCard(r: SurveyResults, c: CardContext): OutboundMessage {
  const { t } = c;
  const fields = [
    { label: t('field.responses'), value: String(r.responses) },
    { label: t('field.recipients'), value: String(r.recipients) },
  ];
  if (r.responseRate !== undefined) fields.push({ label: t('field.response_rate'), value: percent(r.responseRate) });
  if (r.average !== undefined) fields.push({ label: t('field.average'), value: r.average.toFixed(2) });
  if (r.nps !== undefined) fields.push({ label: 'NPS', value: String(r.nps) });
  const dist = Object.entries(r.distribution).map(([s, n]) => `${s}: ${'█'.repeat(Math.min(n, 20))} ${n}`).join('\n');
  const blocks: Block[] = [{ type: 'fields', fields }];
  if (r.byOrg?.length) {
    const lines = r.byOrg.map((o) => `- ${t('survey.org_line', { org: o.org, responses: o.responses, recipients: o.recipients, rate: percent(o.responseRate) })}`);
    blocks.push({ type: 'text', text: `**${t('survey.by_org')}**\n${lines.join('\n')}` });
  }
  blocks.push({ type: 'text', text: `\`\`\`\n${dist}\n\`\`\`` });
  return {
    text: t('survey.results_summary', { id: r.survey.id, responses: r.responses, average: r.average?.toFixed(2) ?? '–' }),
    card: { title: t('survey.results_title', { id: r.survey.id }), tone: 'info', blocks },
  };
}
