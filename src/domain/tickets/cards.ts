import { formatTime } from '../../core/i18n.js';
import type { Block, OutboundMessage, Tone } from '../../core/types.js';
import type { CardContext } from '../cards.js';
import { personLabel } from '../directory/people.js';
import type { Ticket } from './service.js';
import { docLinksLine } from '../docs/cards.js';
import type { DocLink } from '../docs/service.js';

const sevTone: Record<string, Tone> = { S1: 'danger', S2: 'warning', S3: 'info', S4: 'neutral' };

export function ticketCard(ticket: Ticket, c: CardContext, options: { buttons?: boolean; timeline?: number; docs?: DocLink[] } = {}): OutboundMessage {
  const { t } = c;
  const status = t(`ticket.status.${ticket.status}`);
  const fields = [
    { label: t('field.status'), value: status },
    { label: t('field.severity'), value: ticket.severity },
    { label: t('field.organisation'), value: ticket.org },
    { label: t('field.reporter'), value: personLabel(ticket.reporter, ticket.reporterName) },
  ];
  if (ticket.system) fields.push({ label: t('field.system'), value: ticket.system });
  if (ticket.assignee) fields.push({ label: t('field.assignee'), value: personLabel(ticket.assignee, assigneeName(ticket)) });
  if (ticket.status !== 'resolved') {
    // Due times in the reader's zone, named, since readers of one ticket sit in different zones.
    const due = (at: number) => (ticket.status === 'waiting' ? t('ticket.paused') : `${formatTime(at, c.timezone)} (${c.timezone})`);
    if (!ticket.ackedAt) fields.push({ label: t('field.respond_due'), value: due(ticket.respondDueAt) });
    fields.push({ label: t('field.resolve_due'), value: due(ticket.resolveDueAt) });
  }
  if (ticket.fixedIn) fields.push({ label: t('field.fixed_in'), value: ticket.fixedIn });
  if (ticket.cause) fields.push({ label: t('field.cause'), value: ticket.cause });
  const blocks: Block[] = [{ type: 'fields', fields }];
  if (ticket.description) blocks.splice(0, 0, { type: 'text', text: ticket.description });
  // The system's manual and runbook, for whoever works on or waits for the ticket.
  if (options.docs?.length) blocks.push({ type: 'context', text: t('ticket.docs', { links: docLinksLine(options.docs, c) }) });
  // Internal notes only in copies read by staff alone; there they are marked (the 🔒 kind label).
  const entries = ticket.timeline.filter((e) => c.staff || !e.internal).slice(-(options.timeline ?? 3));
  if (entries.length) {
    blocks.push({
      type: 'context',
      text: entries.map((e) => `${formatTime(e.at, c.timezone)} · ${personLabel(e.actor, e.actorName)} · ${t(`timeline.${e.kind}`)}${e.text ? `: ${e.text}` : ''}`).join('\n'),
    });
  }
  if (options.buttons !== false && ticket.status !== 'resolved') {
    const buttons = [];
    if (!ticket.ackedAt) buttons.push({ actionId: 'issue.ack', label: t('button.ack'), value: ticket.id, style: 'primary' as const });
    buttons.push({ actionId: 'issue.resolve', label: t('button.resolve'), value: ticket.id });
    buttons.push({ actionId: 'escalate.start', label: t('button.escalate'), value: ticket.id, style: 'danger' as const });
    blocks.push({ type: 'actions', buttons });
  }
  const title = `${ticket.id} · ${ticket.title}`;
  return {
    text: t('ticket.summary', { id: ticket.id, title: ticket.title, status, severity: ticket.severity }),
    card: { title, tone: ticket.status === 'resolved' ? 'success' : sevTone[ticket.severity], blocks },
  };
}

/** The assignee's name: stored with the assignment, or (tickets assigned before it was stored) from their own timeline entries. */
function assigneeName(ticket: Ticket): string | undefined {
  if (ticket.assigneeName) return ticket.assigneeName;
  return [...ticket.timeline].reverse().find((e) => e.actor === ticket.assignee && e.actorName)?.actorName;
}
