import { effectKey } from '../core/effects.js';
import { AppError } from '../core/errors.js';
import { keys } from '../core/keys.js';
import type { ConversationRef, Locale } from '../core/types.js';
import type { AuditLog } from './audit.js';
import { bucketOf, dayOf, withLock, type ServiceDeps } from './deps.js';
import { personLabel } from './people.js';

export const SEVERITIES = ['S1', 'S2', 'S3', 'S4'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type TicketStatus = 'open' | 'acknowledged' | 'resolved';

export interface TimelineEntry {
  at: number;
  /** `platform:id` or `system:<source>`. */
  actor: string;
  actorName?: string;
  kind: 'created' | 'acknowledged' | 'assigned' | 'comment' | 'resolved' | 'reopened' | 'escalated' | 'auto-escalated' | 'released';
  text?: string;
  /** Whether a staff member (engineer or above) wrote it: comments cross to the other side. */
  staff?: boolean;
  /** The delivery effect that wrote it (see src/core/effects.ts): a re-run finds it and changes nothing. */
  effect?: string;
}

export interface Ticket {
  id: string;
  title: string;
  description?: string;
  severity: Severity;
  system?: string;
  org: string;
  status: TicketStatus;
  reporter: string;
  reporterName?: string;
  reporterConversation: ConversationRef;
  reporterLocale: Locale;
  assignee?: string;
  /** The assignee's display name when it was set (cards show it instead of the raw `platform:id`). */
  assigneeName?: string;
  createdAt: number;
  ackedAt?: number;
  resolvedAt?: number;
  fixedIn?: string;
  cause?: string;
  resolution?: string;
  respondDueAt: number;
  resolveDueAt: number;
  escalations: number;
  sourceAlert?: string;
  timeline: TimelineEntry[];
}

export type TicketChange = TimelineEntry['kind'];

export interface NewTicket {
  title: string;
  description?: string;
  severity: Severity;
  system?: string;
  org: string;
  reporter: string;
  reporterName?: string;
  reporterConversation: ConversationRef;
  reporterLocale: Locale;
  sourceAlert?: string;
}

export interface TicketHooks {
  /** Called after every stored change (pushes, timers). Errors are the caller's to log. */
  changed(ticket: Ticket, change: TicketChange, by: string): Promise<void>;
}

const MINUTE = 60_000;

/** Digest aggregates a change adds to: per day (`agg:day:<day>`) and the open backlog (`agg:open`). */
interface Tally {
  day: Record<string, number>;
  open: Record<string, number>;
}

function count(into: Record<string, number>, field: string, by = 1): void {
  into[field] = (into[field] ?? 0) + by;
}

/** Tickets: lifecycle, timeline, SLA due times, indexes and digest aggregates kept on write. */
export function createTickets(deps: ServiceDeps, audit: AuditLog, hooks: TicketHooks) {
  const { store, now, config } = deps;

  async function load(id: string): Promise<Ticket> {
    const t = await store.get<Ticket>(keys.ticket(id));
    if (!t) throw new AppError('not_found', 'error.ticket_not_found', { id });
    return t;
  }

  /**
   * Adds a change's aggregates, each hash once per effect: written before the ticket itself, so
   * a run that died in between counts nothing twice when it runs again.
   */
  async function addTally(at: number, tally: Tally, effect: string | undefined): Promise<void> {
    const day = Object.keys(tally.day).length ? store.hincrMany(keys.aggDay(dayOf(at)), tally.day, effect && `${effect}:day`) : undefined;
    const open = Object.keys(tally.open).length ? store.hincrMany(keys.aggOpen(), tally.open, effect && `${effect}:open`) : undefined;
    await Promise.all([day, open]);
  }

  /**
   * Loads, applies `fn` under the ticket's lock, stores, audits and notifies. Idempotent per
   * delivery: the timeline entries `fn` adds carry the delivery's effect key, and a run that finds
   * them has nothing to apply (it still notifies: pushes are keyed by delivery too).
   */
  async function mutate(id: string, by: string, change: TicketChange, fn: (t: Ticket, tally: Tally) => Promise<void> | void): Promise<Ticket> {
    const effect = effectKey('ticket-change');
    const ticket = await withLock(store, `ticket:${id}`, async () => {
      const t = await load(id);
      if (effect && t.timeline.some((e) => e.effect === effect)) return t;
      const before = { status: t.status, severity: t.severity, assignee: t.assignee, fixedIn: t.fixedIn };
      const tally: Tally = { day: {}, open: {} };
      const entries = t.timeline.length;
      await fn(t, tally);
      for (const e of t.timeline.slice(entries)) e.effect = effect;
      await addTally(now(), tally, effect);
      await audit.record(by, `ticket.${change}`, id, before, {
        status: t.status,
        severity: t.severity,
        assignee: t.assignee,
        fixedIn: t.fixedIn,
      });
      await store.set(keys.ticket(id), t);
      return t;
    });
    await hooks.changed(ticket, change, by);
    return ticket;
  }

  return {
    get: load,
    async find(id: string): Promise<Ticket | undefined> {
      return store.get<Ticket>(keys.ticket(id));
    },

    /** Files a ticket. Idempotent per delivery: a re-run gets the same id and finds what the first run stored. */
    async create(input: NewTicket): Promise<Ticket> {
      const effect = effectKey('ticket');
      const id = `SUP-${await store.nextId(keys.seq('SUP'), effect)}`;
      const stored = effect ? await store.get<Ticket>(keys.ticket(id)) : undefined;
      if (stored) {
        await hooks.changed(stored, 'created', input.reporter);
        return stored;
      }
      const at = now();
      const sla = config.sla[input.severity];
      const ticket: Ticket = {
        id,
        ...input,
        status: 'open',
        createdAt: at,
        respondDueAt: at + sla.respondMin * MINUTE,
        resolveDueAt: at + sla.resolveMin * MINUTE,
        escalations: 0,
        timeline: [{ at, actor: input.reporter, actorName: input.reporterName, kind: 'created', text: input.title, effect }],
      };
      const tally: Tally = { day: {}, open: {} };
      count(tally.day, 'opened');
      count(tally.day, `opened:sev:${input.severity}`);
      count(tally.day, `opened:org:${input.org}`);
      if (input.system) count(tally.day, `opened:sys:${input.system}`);
      count(tally.open, 'total');
      count(tally.open, `sev:${input.severity}`);
      count(tally.open, `org:${input.org}`);
      // Everything but the ticket itself first: a run that finds the ticket stored has nothing left to do.
      await Promise.all([
        addTally(at, tally, effect),
        store.zadd(keys.ticketsAll(), id, at),
        store.zadd(keys.ticketsOpen(), id, at),
        store.zadd(keys.ticketsOrg(input.org), id, at),
        store.zadd(keys.ticketsOrgOpen(input.org), id, at),
        store.zadd(keys.ticketsUser(input.reporter), id, at),
      ]);
      await audit.record(input.reporter, 'ticket.created', id, undefined, { severity: input.severity, org: input.org });
      await store.set(keys.ticket(id), ticket);
      await hooks.changed(ticket, 'created', input.reporter);
      return ticket;
    },

    /** Newest first. `org` limits to one organisation; `user` to one reporter. Reads indexes only. */
    async list(scope: { status: 'open' | 'all'; org?: string; user?: string; limit?: number }): Promise<{ tickets: Ticket[]; total: number }> {
      const index = scope.user
        ? keys.ticketsUser(scope.user)
        : scope.org
          ? scope.status === 'open'
            ? keys.ticketsOrgOpen(scope.org)
            : keys.ticketsOrg(scope.org)
          : scope.status === 'open'
            ? keys.ticketsOpen()
            : keys.ticketsAll();
      const limit = scope.limit ?? 20;
      const total = await store.zcard(index);
      const ids = await store.zrange(index, -Infinity, Infinity, { reverse: true, limit });
      const tickets = (await store.getMany<Ticket>(ids.map((m) => keys.ticket(m.member)))).filter((t): t is Ticket => t !== undefined);
      return { tickets, total };
    },

    async ack(id: string, by: string, byName?: string): Promise<Ticket> {
      return mutate(id, by, 'acknowledged', (t, tally) => {
        if (t.status === 'resolved') throw new AppError('conflict', 'error.ticket_resolved', { id });
        if (t.ackedAt) throw new AppError('conflict', 'error.ticket_already_acked', { id });
        const at = now();
        t.status = 'acknowledged';
        t.ackedAt = at;
        if (!t.assignee) {
          t.assignee = by;
          t.assigneeName = byName;
        }
        t.timeline.push({ at, actor: by, actorName: byName, kind: 'acknowledged', staff: true });
        countAck(t, at, tally);
      });
    },

    async assign(id: string, by: string, assignee: string, byName?: string, assigneeName?: string): Promise<Ticket> {
      return mutate(id, by, 'assigned', (t) => {
        if (t.status === 'resolved') throw new AppError('conflict', 'error.ticket_resolved', { id });
        t.assignee = assignee;
        t.assigneeName = assigneeName;
        t.timeline.push({ at: now(), actor: by, actorName: byName, kind: 'assigned', text: personLabel(assignee, assigneeName), staff: true });
      });
    },

    async comment(id: string, by: string, text: string, staff: boolean, byName?: string): Promise<Ticket> {
      return mutate(id, by, 'comment', (t) => {
        t.timeline.push({ at: now(), actor: by, actorName: byName, kind: 'comment', text, staff });
      });
    },

    async resolve(id: string, by: string, input: { fixedIn?: string; cause?: string; note?: string }, byName?: string): Promise<Ticket> {
      return mutate(id, by, 'resolved', async (t, tally) => {
        if (t.status === 'resolved') throw new AppError('conflict', 'error.ticket_resolved', { id });
        const at = now();
        const wasAcked = Boolean(t.ackedAt);
        t.status = 'resolved';
        t.resolvedAt = at;
        t.fixedIn = input.fixedIn;
        t.cause = input.cause;
        t.resolution = input.note;
        if (!wasAcked) {
          t.ackedAt = at;
          countAck(t, at, tally);
        }
        t.timeline.push({ at, actor: by, actorName: byName, kind: 'resolved', text: input.note, staff: true });
        await Promise.all([
          store.zrem(keys.ticketsOpen(), id),
          store.zrem(keys.ticketsOrgOpen(t.org), id),
          store.zadd(keys.ticketsResolved(), id, at),
          input.fixedIn ? store.zadd(keys.ticketsFixedIn(input.fixedIn), id, at) : undefined,
        ]);
        count(tally.day, 'resolved');
        count(tally.day, `resolved:sev:${t.severity}`);
        count(tally.day, `mttr:b:${bucketOf(at - t.createdAt)}`);
        count(tally.day, 'sla:total');
        if (at <= t.resolveDueAt) count(tally.day, 'sla:met');
        if (input.cause) count(tally.day, `cause:${input.cause}`);
        if (t.system) count(tally.day, `resolved:sys:${t.system}`);
        count(tally.open, 'total', -1);
        count(tally.open, `sev:${t.severity}`, -1);
        count(tally.open, `org:${t.org}`, -1);
      });
    },

    async reopen(id: string, by: string, reason?: string, byName?: string): Promise<Ticket> {
      return mutate(id, by, 'reopened', async (t, tally) => {
        if (t.status !== 'resolved') throw new AppError('conflict', 'error.ticket_not_resolved', { id });
        const at = now();
        t.status = t.ackedAt ? 'acknowledged' : 'open';
        t.resolvedAt = undefined;
        t.timeline.push({ at, actor: by, actorName: byName, kind: 'reopened', text: reason });
        await Promise.all([
          store.zadd(keys.ticketsOpen(), id, t.createdAt),
          store.zadd(keys.ticketsOrgOpen(t.org), id, t.createdAt),
          store.zrem(keys.ticketsResolved(), id),
          t.fixedIn ? store.zrem(keys.ticketsFixedIn(t.fixedIn), id) : undefined,
        ]);
        count(tally.day, 'reopened');
        count(tally.open, 'total');
        count(tally.open, `sev:${t.severity}`);
        count(tally.open, `org:${t.org}`);
        t.fixedIn = undefined;
      });
    },

    /** Raises severity one step (S1 stays S1) and records who and why. `auto` for SLA timers. */
    async escalate(id: string, by: string, reason: string | undefined, auto = false, byName?: string): Promise<Ticket> {
      return mutate(id, by, auto ? 'auto-escalated' : 'escalated', (t, tally) => {
        if (t.status === 'resolved') throw new AppError('conflict', 'error.ticket_resolved', { id });
        const idx = SEVERITIES.indexOf(t.severity);
        const next = SEVERITIES[Math.max(0, idx - 1)]!;
        if (next !== t.severity) {
          count(tally.open, `sev:${t.severity}`, -1);
          count(tally.open, `sev:${next}`);
        }
        t.severity = next;
        t.escalations += 1;
        t.timeline.push({ at: now(), actor: by, actorName: byName, kind: auto ? 'auto-escalated' : 'escalated', text: reason, staff: true });
        count(tally.day, 'escalated');
      });
    },

    /** Tickets fixed in a release (index kept on resolve). */
    async fixedIn(version: string): Promise<Ticket[]> {
      const ids = await store.zrange(keys.ticketsFixedIn(version), -Infinity, Infinity);
      return (await store.getMany<Ticket>(ids.map((m) => keys.ticket(m.member)))).filter((t): t is Ticket => t !== undefined);
    },

    async noteRelease(id: string, version: string): Promise<void> {
      await mutate(id, 'system:release', 'released', (t) => {
        t.timeline.push({ at: now(), actor: 'system:release', kind: 'released', text: version });
        if (!t.fixedIn) t.fixedIn = version;
      });
    },
  };
}
export type Tickets = ReturnType<typeof createTickets>;

/** The aggregates of a first response: acked, its time-to-acknowledge bucket, the response target met or not. */
function countAck(t: Ticket, at: number, tally: Tally): void {
  count(tally.day, 'acked');
  count(tally.day, `mtta:b:${bucketOf(at - t.createdAt)}`);
  count(tally.day, 'respond:total');
  if (at <= t.respondDueAt) count(tally.day, 'respond:met');
}
