import { formatDuration, formatTime, storedKey } from '../../core/i18n.js';
import type { Block, OutboundMessage } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import { personLabel } from '../directory/people.js';
import { actionLine } from '../improvements/cards.js';
import type { ImprovementAction } from '../improvements/service.js';
import type { Postmortem } from './service.js';

/**
 * The postmortem card: impact (severity, duration, organisations), cause, summary, timeline and
 * improvement actions. `staff` gets Edit / Publish / Add improvement action; the customer's copy
 * has no buttons and only the public events.
 */
export function postmortemCard(pm: Postmortem, actions: ImprovementAction[], c: CardContext, options: { audience: 'staff' | 'customer' }): OutboundMessage {
  const { t } = c;
  const staff = options.audience === 'staff';
  const duration = formatDuration((pm.endedAt ?? c.now) - pm.startedAt, c.locale);
  const state = pm.status === 'published' && pm.publishedAt ? t('postmortem.published', { at: formatTime(pm.publishedAt, c.timezone) }) : t('postmortem.draft');
  const blocks: Block[] = [
    {
      type: 'fields',
      fields: [
        { label: t('field.impact'), value: t('postmortem.impact_line', { severity: pm.severity, duration, orgs: pm.orgs.join(', ') || '–' }) },
        { label: t('field.cause'), value: pm.cause ?? '–' },
        { label: t('field.status'), value: state },
      ],
    },
  ];
  if (pm.summary) blocks.push({ type: 'text', text: `**${t('field.summary')}**\n${pm.summary}` });
  const events = pm.timeline.filter((e) => staff || e.public);
  blocks.push({
    type: 'text',
    text: `**${t('postmortem.timeline')}**\n${events
      .map((e) => `- ${formatTime(e.at, c.timezone)} · ${personLabel(e.actor, e.actorName)} · ${e.kind === 'alert' ? t('postmortem.alert_fired', { id: e.text ?? '' }) : kindLabel(e.kind, c)}${e.text && e.kind !== 'alert' ? `: ${e.text}` : ''}`)
      .join('\n')}`,
  });
  blocks.push({ type: 'text', text: `**${t('field.actions')}**\n${actions.length ? actions.map((a) => actionLine(a, c)).join('\n') : t('postmortem.no_actions')}` });
  if (staff) {
    blocks.push({
      type: 'actions',
      buttons: [
        { actionId: 'postmortem.edit', label: t('button.edit'), value: pm.id },
        ...(pm.status === 'draft' ? [{ actionId: 'postmortem.publish', label: t('button.publish'), value: pm.id, style: 'primary' as const }] : []),
        { actionId: 'improve.new', label: t('button.improve'), value: pm.id },
      ],
    });
  }
  const title = t('postmortem.title', { id: pm.id, title: pm.title });
  return { text: title, card: { title, tone: pm.status === 'published' ? 'success' : 'neutral', blocks } };
}

/** The form that edits a postmortem's summary and cause. */
export function postmortemForm(pm: Postmortem, causes: readonly string[], c: CardContext): { card: import('../../core/types.js').Card; title: string; submitLabel: string } {
  const title = c.t('postmortem.edit_title', { id: pm.id });
  return {
    title,
    submitLabel: c.t('button.edit'),
    card: {
      title,
      blocks: [
        {
          type: 'form',
          formId: 'postmortem.edit',
          submitLabel: c.t('button.edit'),
          inputs: [
            { id: 'id', label: c.t('field.ticket'), kind: 'text', required: true, initial: pm.id },
            { id: 'cause', label: c.t('field.cause'), kind: 'select', initial: pm.cause, options: causes.map((v) => ({ value: v, label: v })) },
            { id: 'summary', label: c.t('field.summary'), kind: 'textarea', initial: pm.summary, maxLength: 2000 },
          ],
        },
      ],
    },
  };
}

/** The daily policy reminder of an S1 without a published postmortem. */
export function reminderNotice(id: string, days: number, c: CardContext): OutboundMessage {
  return { text: c.t('postmortem.reminder', { id, days }) };
}

/** A timeline kind in the reader's language; a kind the catalogues do not name shows as itself. */
function kindLabel(kind: string, c: CardContext): string {
  const key = storedKey(`timeline.${kind}`, 'timeline');
  return key ? c.t(key) : kind;
}
