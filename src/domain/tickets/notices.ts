import type { Translate } from '../../core/i18n.js';
import { personLabel } from '../directory/people.js';
import type { Ticket, TicketChange, TimelineEntry } from './service.js';

/**
 * What the reporter is told about a change to their ticket, or nothing. Every notice says only
 * what is true: optional parts (a fixed-in version, a resolution note, a reason, a question) are
 * sentences of their own, added only when there is something to say. Internal notes and changes
 * the reporter made themselves are never told.
 *
 * `entry` is the change's own timeline entry; `by` who made it.
 */
export function reporterNotice(t: Translate, ticket: Ticket, change: TicketChange, entry: TimelineEntry, by: string): string | undefined {
  if (by === ticket.reporter || entry.internal) return undefined;
  const who = personLabel(by, entry.actorName);
  const base = { id: ticket.id, title: ticket.title, who };
  const parts: Array<string | false | undefined> = [];
  switch (change) {
    case 'acknowledged':
      parts.push(t('ticket.reporter.acknowledged', base));
      break;
    case 'assigned':
      parts.push(t('ticket.reporter.assigned', { id: ticket.id, text: entry.text ?? who }));
      break;
    case 'comment':
      // Only a staff member's public comment crosses to the customer.
      if (!entry.staff || !entry.text) return undefined;
      parts.push(t('ticket.reporter.comment', { id: ticket.id, who, text: entry.text }));
      break;
    case 'resolved':
      parts.push(
        t('ticket.reporter.resolved', base),
        ticket.fixedIn !== undefined && t('ticket.reporter.fixed_in', { version: ticket.fixedIn }),
        entry.text && t('ticket.reporter.note', { text: entry.text }),
      );
      break;
    case 'reopened':
      parts.push(t('ticket.reporter.reopened', { id: ticket.id }), entry.text && t('ticket.reporter.reason', { text: entry.text }));
      break;
    case 'escalated':
      parts.push(t('ticket.reporter.escalated', { id: ticket.id, severity: ticket.severity }));
      break;
    case 'severity':
      parts.push(t('ticket.reporter.severity', { id: ticket.id, severity: ticket.severity }));
      break;
    case 'waiting':
      parts.push(t('ticket.reporter.waiting', base), entry.text && t('ticket.reporter.question', { text: entry.text }));
      break;
    case 'released':
      if (!entry.text) return undefined;
      parts.push(t('ticket.reporter.released', { id: ticket.id, title: ticket.title, version: entry.text }));
      break;
    default:
      return undefined;
  }
  // Sentences follow each other with a space, except after a Chinese full stop (no spaces in Chinese prose).
  return parts.filter((p): p is string => Boolean(p)).reduce((text, p) => (text ? `${text}${text.endsWith('。') ? '' : ' '}${p}` : p), '');
}
