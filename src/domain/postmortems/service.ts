import { AppError } from '../../core/errors.js';
import { keys } from '../../core/keys.js';
import type { Write } from '../../core/store.js';
import type { ConversationRef } from '../../core/types.js';
import type { Alerts } from '../alerts/service.js';
import type { AuditLog } from '../audit/service.js';
import { localDay, workingDaysBetween } from '../calendar.js';
import type { ServiceDeps } from '../deps.js';
import type { DirectNotices } from '../direct.js';
import type { Improvements } from '../improvements/service.js';
import type { Notify } from '../notify.js';
import type { Ticket, TicketChange, Tickets } from '../tickets/service.js';
import { postmortemCard, reminderNotice } from './cards.js';

/** A timeline line: when, who (`platform:id` or `system:…`), what kind, what was said. */
export interface PostmortemEvent {
  at: number;
  actor: string;
  actorName?: string;
  kind: string;
  text?: string;
  /** Shown to the customer too (state changes and public comments); internal notes are not. */
  public: boolean;
}

/** A postmortem of a ticket (`SUP-n`) or alert (`ALR-n`), keyed by that id. */
export interface Postmortem {
  id: string;
  title: string;
  severity: string;
  /** Impact: organisations affected, when it started and ended (epoch ms). */
  orgs: string[];
  startedAt: number;
  endedAt?: number;
  cause?: string;
  summary?: string;
  timeline: PostmortemEvent[];
  status: 'draft' | 'published';
  publishedAt?: number;
  /** Where the customer sees it, when it was published to them. */
  customerConversation?: ConversationRef;
  org?: string;
  draftedBy: string;
  updatedAt: number;
}

/** The ticket events a customer may read in a postmortem (internal notes never are). */
const PUBLIC_KINDS = new Set(['created', 'acknowledged', 'resolved', 'reopened', 'escalated', 'auto-escalated', 'released', 'waiting', 'resumed']);
/** Working days after which an S1 without a published postmortem reminds its assignee. */
export const POSTMORTEM_DUE_WORKING_DAYS = 5;

export interface PostmortemDeps {
  tickets: Pick<Tickets, 'find'>;
  alerts: Pick<Alerts, 'find'>;
  improvements: Pick<Improvements, 'fromSource'>;
  notify: Pick<Notify, 'toSubscribers' | 'toConversation'>;
  direct: DirectNotices;
}

/**
 * Postmortems: drafted from a ticket's or alert's timeline (impact, timeline, cause, actions),
 * edited through a form, published to the engineers (`tickets` subscribers) and, only when asked,
 * to the customer's conversation. S1 tickets resolved without a published postmortem are indexed
 * on resolve, and their assignee is reminded once a day after five working days.
 */
export function createPostmortems(deps: ServiceDeps, audit: AuditLog, p: PostmortemDeps) {
  const { store, now, config } = deps;

  async function load(id: string): Promise<Postmortem> {
    const pm = await store.get<Postmortem>(keys.postmortem(id));
    if (!pm) throw new AppError('not_found', 'error.postmortem_not_found', { id });
    return pm;
  }

  function fromTicket(t: Ticket): Omit<Postmortem, 'status' | 'draftedBy' | 'updatedAt'> {
    return {
      id: t.id,
      title: t.title,
      severity: t.severity,
      orgs: [t.org],
      org: t.org,
      startedAt: t.createdAt,
      endedAt: t.resolvedAt,
      cause: t.cause,
      timeline: t.timeline.map((e) => ({
        at: e.at,
        actor: e.actor,
        actorName: e.actorName,
        kind: e.kind,
        text: e.text,
        public: PUBLIC_KINDS.has(e.kind) || (e.kind === 'comment' && (e as { internal?: boolean }).internal !== true),
      })),
    };
  }

  return {
    get: load,
    find: (id: string) => store.get<Postmortem>(keys.postmortem(id)),
    actions: (id: string) => p.improvements.fromSource(id),

    /**
     * Drafts (or refreshes) the postmortem of a ticket or alert from its timeline; what was edited
     * by hand (summary, cause) is kept. Throws not_found for an unknown id.
     */
    async draft(by: string, id: string): Promise<Postmortem> {
      const existing = await store.get<Postmortem>(keys.postmortem(id));
      let base: Omit<Postmortem, 'status' | 'draftedBy' | 'updatedAt'>;
      if (id.startsWith('ALR')) {
        const a = await p.alerts.find(id);
        if (!a) throw new AppError('not_found', 'error.alert_not_found', { id });
        const linked = a.ticketId ? await p.tickets.find(a.ticketId) : undefined;
        base = {
          id,
          title: a.title,
          severity: a.severity,
          orgs: linked ? [linked.org] : [],
          org: linked?.org,
          startedAt: a.firstAt,
          endedAt: a.resolvedAt,
          cause: linked?.cause,
          timeline: [
            { at: a.firstAt, actor: `system:${a.source}`, kind: 'alert', text: a.title, public: true },
            ...(a.ackedAt ? [{ at: a.ackedAt, actor: a.ackedBy ?? 'system', kind: 'acknowledged', public: true }] : []),
            ...(a.resolvedAt ? [{ at: a.resolvedAt, actor: a.resolvedBy ?? 'system', kind: 'resolved', public: true }] : []),
            ...(linked ? fromTicket(linked).timeline : []),
          ].sort((x, y) => x.at - y.at),
        };
      } else {
        const t = await p.tickets.find(id);
        if (!t) throw new AppError('not_found', 'error.ticket_not_found', { id });
        base = fromTicket(t);
        if (t.sourceAlert) {
          const a = await p.alerts.find(t.sourceAlert);
          if (a) base.timeline = [{ at: a.firstAt, actor: `system:${a.source}`, kind: 'alert', text: `${a.id} ${a.title}`, public: true }, ...base.timeline].sort((x, y) => x.at - y.at);
        }
      }
      const pm: Postmortem = {
        ...base,
        cause: existing?.cause ?? base.cause,
        summary: existing?.summary,
        status: existing?.status ?? 'draft',
        publishedAt: existing?.publishedAt,
        customerConversation: existing?.customerConversation,
        draftedBy: existing?.draftedBy ?? by,
        updatedAt: now(),
      };
      await store.batch([{ op: 'set', key: keys.postmortem(id), value: pm }, ...audit.entry(by, existing ? 'postmortem.redrafted' : 'postmortem.drafted', id, undefined, undefined, pm.org)]);
      return pm;
    },

    /** Saves what the edit form changed (summary, cause). */
    async edit(by: string, id: string, input: { summary?: string; cause?: string }): Promise<Postmortem> {
      const pm = await load(id);
      if (input.cause !== undefined && !config.causes.includes(input.cause)) {
        throw new AppError('invalid_argument', 'error.unknown_cause', { cause: input.cause, causes: config.causes.join(', ') });
      }
      const next: Postmortem = { ...pm, summary: input.summary ?? pm.summary, cause: input.cause ?? pm.cause, updatedAt: now() };
      await store.batch([{ op: 'set', key: keys.postmortem(id), value: next }, ...audit.entry(by, 'postmortem.edited', id, { cause: pm.cause }, { cause: next.cause }, pm.org)]);
      return next;
    },

    /**
     * Publishes to the engineers (`tickets` subscribers) and, with `customer`, to the customer's
     * conversation of the ticket (the reporter's). The customer's copy carries only public events.
     */
    async publish(by: string, id: string, customer: boolean, customerConversation?: ConversationRef): Promise<Postmortem> {
      const pm = await load(id);
      const at = now();
      const next: Postmortem = { ...pm, status: 'published', publishedAt: at, customerConversation: customer ? customerConversation ?? pm.customerConversation : pm.customerConversation };
      await store.batch([
        { op: 'set', key: keys.postmortem(id), value: next },
        { op: 'zrem', key: keys.postmortemsRequired(), member: id },
        ...audit.entry(by, 'postmortem.published', id, { status: pm.status }, { status: 'published', customer }, pm.org),
      ]);
      const actions = await p.improvements.fromSource(id);
      await p.notify.toSubscribers('tickets', undefined, (c) => postmortemCard(next, actions, c, { audience: 'staff' }), `pm:${id}`);
      if (customer && next.customerConversation) {
        await p.notify.toConversation(next.customerConversation, (c) => postmortemCard(next, actions, c, { audience: 'customer' }), { cardKey: `pm:${id}:customer` });
      }
      return next;
    },

    /** Writes kept with a ticket change: an S1 resolved needs a postmortem; reopened, not yet. */
    ticketWrites(ticket: Ticket, change: TicketChange): Write[] {
      if (change === 'resolved' && ticket.severity === 'S1') return [{ op: 'zadd', key: keys.postmortemsRequired(), member: ticket.id, score: ticket.resolvedAt ?? now(), onlyNew: true }];
      if (change === 'reopened') return [{ op: 'zrem', key: keys.postmortemsRequired(), member: ticket.id }];
      return [];
    },

    /**
     * Reminds the assignee (else the reporter's resolver) of every S1 resolved five working days
     * ago or more without a published postmortem, once per calendar day across replicas.
     */
    async remindMissing(): Promise<number> {
      const at = now();
      const today = localDay(at, config.timezone);
      // Five working days are at least five calendar days: the index is read up to then only.
      const due = await store.zrange(keys.postmortemsRequired(), -Infinity, at - POSTMORTEM_DUE_WORKING_DAYS * 86_400_000, { limit: 500 });
      let sent = 0;
      for (const { member, score } of due) {
        const days = workingDaysBetween(score, at, config.timezone);
        if (days < POSTMORTEM_DUE_WORKING_DAYS) continue;
        const ticket = await p.tickets.find(member);
        const pm = await store.get<Postmortem>(keys.postmortem(member));
        if (!ticket || pm?.status === 'published') continue;
        const to = ticket.assignee ?? [...ticket.timeline].reverse().find((e) => e.kind === 'resolved')?.actor;
        if (!to) continue;
        if (await p.direct.toUser(to, (c) => reminderNotice(member, days, c), { idempotencyKey: `pm:${member}:remind:${today}` })) sent++;
      }
      return sent;
    },
  };
}
export type Postmortems = ReturnType<typeof createPostmortems>;
