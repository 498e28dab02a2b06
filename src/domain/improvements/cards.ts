import type { Block, OutboundMessage } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import { personLabel } from '../directory/people.js';
import type { ImprovementAction } from './service.js';

/** One line of an action: id, title, type, owner, due date, cause, state. */
export function actionLine(a: ImprovementAction, c: CardContext): string {
  const parts = [`**${a.id}** ${a.title}`, c.t(`improve.type.${a.type}`)];
  if (a.owner) parts.push(personLabel(a.owner, a.ownerName));
  if (a.due) parts.push(c.t('improve.due', { due: a.due }));
  if (a.cause) parts.push(a.system ? `${a.cause} · ${a.system}` : a.cause);
  if (a.from) parts.push(a.from);
  parts.push(c.t(a.status === 'done' ? 'improve.state.done' : 'improve.state.open'));
  return `- ${parts.join(' · ')}`;
}

/** The card of one action, with Done while it is open. */
export function actionCard(a: ImprovementAction, c: CardContext): OutboundMessage {
  const blocks: Block[] = [{ type: 'text', text: actionLine(a, c) }];
  if (a.status === 'open') blocks.push({ type: 'actions', buttons: [{ actionId: 'improve.done', label: c.t('button.done'), value: a.id, style: 'primary' }] });
  return { text: c.t('improve.added', { id: a.id, title: a.title }), card: { title: `${a.id} · ${a.title}`, tone: a.status === 'done' ? 'success' : 'info', blocks } };
}

/** `/improve [open|all]`. */
export function actionList(actions: ImprovementAction[], total: number, c: CardContext): OutboundMessage {
  const text = actions.length ? actions.map((a) => actionLine(a, c)).join('\n') : c.t('improve.none');
  const blocks: Block[] = [{ type: 'text', text }];
  if (total > actions.length) blocks.push({ type: 'context', text: c.t('improve.more', { shown: actions.length, total }) });
  return { text: c.t('improve.list_summary', { n: total }), card: { title: c.t('improve.list_title'), blocks } };
}

/** The daily reminder of an overdue action, to its owner. */
export function reminderMessage(a: ImprovementAction, c: CardContext): OutboundMessage {
  const text = c.t('improve.overdue_reminder', { id: a.id, title: a.title, due: a.due ?? '–' });
  return { text, card: { title: `${a.id} · ${a.title}`, tone: 'warning', blocks: [{ type: 'text', text }, { type: 'actions', buttons: [{ actionId: 'improve.done', label: c.t('button.done'), value: a.id, style: 'primary' }] }] } };
}

/** The form that creates an action, prefilled from a ticket, alert or postmortem. */
export function actionForm(c: CardContext, causes: readonly string[], prefill: { title?: string; cause?: string; from?: string }): OutboundMessage {
  const { t } = c;
  return {
    text: t('improve.form_title'),
    card: {
      title: t('improve.form_title'),
      blocks: [
        {
          type: 'form',
          formId: 'improve.add',
          submitLabel: t('button.create'),
          inputs: [
            { id: 'title', label: t('field.title'), kind: 'text', required: true, initial: prefill.title, maxLength: 200 },
            { id: 'type', label: t('field.action_type'), kind: 'select', initial: 'technical', options: (['technical', 'process', 'management'] as const).map((v) => ({ value: v, label: t(`improve.type.${v}`) })) },
            { id: 'due', label: t('field.due'), kind: 'text', placeholder: 'YYYY-MM-DD', maxLength: 10 },
            { id: 'cause', label: t('field.cause'), kind: 'select', initial: prefill.cause, options: causes.map((v) => ({ value: v, label: v })) },
            { id: 'from', label: t('field.from'), kind: 'text', initial: prefill.from, maxLength: 20 },
          ],
        },
      ],
    },
  };
}
