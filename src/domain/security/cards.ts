import { formatTime, storedKey } from '../../core/i18n.js';
import type { Block, OutboundMessage } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import { personLabel } from '../directory/people.js';
import type { IncidentStep, SecurityIncident } from './service.js';

/** A step's name: the default plan's steps in the reader's language, an organisation's own as written. */
export function stepLabel(step: string, c: CardContext): string {
  const key = storedKey(`security.step.${step}`, 'security.step');
  return key ? c.t(key) : step;
}

function stepLine(st: IncidentStep, n: number, c: CardContext): string {
  const state = c.t(st.state === 'done' ? 'security.step_done' : st.state === 'blocked' ? 'security.step_blocked' : 'security.step_open');
  const late = st.state !== 'done' && st.dueAt < c.now ? ' ⚠️' : '';
  const who = st.by ? ` · ${personLabel(st.by, st.byName)}` : '';
  return c.t('security.step_line', { n, step: stepLabel(st.step, c), state, deadline: formatTime(st.dueAt, c.timezone) + late }) + who;
}

/** The incident's checklist card: each step with its deadline and state, Done / Blocked on open steps. */
export function incidentCard(i: SecurityIncident, c: CardContext): OutboundMessage {
  const blocks: Block[] = [
    {
      type: 'fields',
      fields: [
        { label: c.t('field.organisation'), value: i.org },
        { label: c.t('field.severity'), value: i.severity },
        { label: c.t('field.status'), value: i.status === 'closed' ? c.t('security.closed', { at: formatTime(i.closedAt ?? c.now, c.timezone) }) : c.t('security.step_open') },
      ],
    },
  ];
  i.steps.forEach((st, k) => {
    blocks.push({ type: 'text', text: stepLine(st, k + 1, c) });
    if (i.status === 'open' && st.state !== 'done') {
      blocks.push({
        type: 'actions',
        buttons: [
          { actionId: 'security.done', label: c.t('button.done'), value: `${i.id}:${k + 1}`, style: 'primary' },
          ...(st.state === 'blocked' ? [] : [{ actionId: 'security.blocked', label: c.t('button.blocked'), value: `${i.id}:${k + 1}`, style: 'danger' as const }]),
        ],
      });
    }
  });
  const title = c.t('security.title', { id: i.id, title: i.title });
  return { text: title, card: { title, tone: i.status === 'closed' ? 'success' : 'danger', blocks } };
}

/** `/security`: the open incidents the reader may see. */
export function incidentList(list: SecurityIncident[], c: CardContext): OutboundMessage {
  const text = list.length
    ? list.map((i) => `- **${i.id}** ${i.title} · ${i.org} · ${i.severity} · ${i.steps.filter((s) => s.state === 'done').length}/${i.steps.length}`).join('\n')
    : c.t('security.none');
  return { text, card: { title: c.t('security.list_title'), blocks: [{ type: 'text', text }] } };
}

/** The page to `escalations`: that a step is overdue, with no detail of the incident. */
export function overduePage(i: SecurityIncident, n: number, c: CardContext): OutboundMessage {
  return { text: c.t('security.step_overdue_page', { id: i.id, n }) };
}

/** The overdue notice to the incident's readers, privately. */
export function overdueNotice(i: SecurityIncident, n: number, c: CardContext): OutboundMessage {
  return { text: c.t('security.step_overdue', { id: i.id, n, step: stepLabel(i.steps[n - 1]?.step ?? '', c) }) };
}

/** The closed incident's timeline, for the admins. */
export function timelineCard(i: SecurityIncident, c: CardContext): OutboundMessage {
  const lines = i.timeline.map((e) => {
    const [kind, n, state] = e.what.split(':');
    const what =
      kind === 'step'
        ? `${stepLabel(i.steps[Number(n) - 1]?.step ?? '', c)}: ${c.t(state === 'done' ? 'security.step_done' : 'security.step_blocked')}`
        : kind === 'declared'
          ? `${i.title} (${i.org}, ${i.severity})`
          : c.t('security.closed', { at: formatTime(e.at, c.timezone) });
    return `- ${formatTime(e.at, c.timezone)} · ${personLabel(e.actor, e.actorName)} · ${what}`;
  });
  const title = c.t('security.timeline_title', { id: i.id });
  return { text: `${title}\n${lines.join('\n')}`, card: { title, tone: 'success', blocks: [{ type: 'text', text: lines.join('\n') }] } };
}
