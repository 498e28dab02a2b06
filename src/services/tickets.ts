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

/** Tickets: lifecycle, timeline, SLA due times, indexes and digest aggregates kept on write. */
export function createTickets(deps: ServiceDeps, audit: AuditLog, hooks: TicketHooks) {
  const { store, now, config } = deps;

  async function load(id: string): Promise<Ticket> {
    const t = await store.get<Ticket>(keys.ticket(id));
    if (!t) throw new AppError('not_found', 'error.ticket_not_found', { id });
    return t;
  }

  /** Loads, applies `fn` under the ticket's lock, stores, audits and notifies. */
  async function mutate(id: string, by: string, change: TicketChange, fn: (t: Ticket) => Promise<void> | void): Promise<Ticket> {
    const ticket = await withLock(store, `ticket:${id}`, async () => {
      const t = await load(id);
      const before = { status: t.status, severity: t.severity, assignee: t.assignee, fixedIn: t.fixedIn };
      await fn(t);
      await store.set(keys.ticket(id), t);
      await audit.record(by, `ticket.${change}`, id, before, {
        status: t.status,
        severity: t.severity,
        assignee: t.assignee,
        fixedIn: t.fixedIn,
      });
      return t;
    });
    await hooks.changed(ticket, change, by);
    return ticket;
  }

  const agg = (at: number, field: string, by = 1) => store.hincr(keys.aggDay(dayOf(at)), field, by);

  return {
    get: load,
    async find(id: string): Promise<Ticket | undefined> {
      return store.get<Ticket>(keys.ticket(id));
    },

    async create(input: NewTicket): Promise<Ticket> {
      const n = await store.incr(keys.seq('SUP'));
      const id = `SUP-${n}`;
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
        timeline: [{ at, actor: input.reporter, actorName: input.reporterName, kind: 'created', text: input.title }],
      };
      await store.set(keys.ticket(id), ticket);
      await Promise.all([
        store.zadd(keys.ticketsAll(), id, at),
        store.zadd(keys.ticketsOpen(), id, at),
        store.zadd(keys.ticketsOrg(input.org), id, at),
        store.zadd(keys.ticketsOrgOpen(input.org), id, at),
        store.zadd(keys.ticketsUser(input.reporter), id, at),
        agg(at, 'opened'),
        agg(at, `opened:sev:${input.severity}`),
        agg(at, `opened:org:${input.org}`),
        input.system ? agg(at, `opened:sys:${input.system}`) : undefined,
        store.hincr(keys.aggOpen(), 'total'),
        store.hincr(keys.aggOpen(), `sev:${input.severity}`),
        store.hincr(keys.aggOpen(), `org:${input.org}`),
      ]);
      await audit.record(input.reporter, 'ticket.created', id, undefined, { severity: input.severity, org: input.org });
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
      return mutate(id, by, 'acknowledged', async (t) => {
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
        await agg(at, 'acked');
        await agg(at, `mtta:b:${bucketOf(at - t.createdAt)}`);
        await agg(at, 'respond:total');
        if (at <= t.respondDueAt) await agg(at, 'respond:met');
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
      return mutate(id, by, 'resolved', async (t) => {
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
          await agg(at, 'acked');
          await agg(at, `mtta:b:${bucketOf(at - t.createdAt)}`);
          await agg(at, 'respond:total');
          if (at <= t.respondDueAt) await agg(at, 'respond:met');
        }
        t.timeline.push({ at, actor: by, actorName: byName, kind: 'resolved', text: input.note, staff: true });
        await Promise.all([
          store.zrem(keys.ticketsOpen(), id),
          store.zrem(keys.ticketsOrgOpen(t.org), id),
          store.zadd(keys.ticketsResolved(), id, at),
          input.fixedIn ? store.zadd(keys.ticketsFixedIn(input.fixedIn), id, at) : undefined,
          agg(at, 'resolved'),
          agg(at, `resolved:sev:${t.severity}`),
          agg(at, `mttr:b:${bucketOf(at - t.createdAt)}`),
          agg(at, 'sla:total'),
          at <= t.resolveDueAt ? agg(at, 'sla:met') : undefined,
          input.cause ? agg(at, `cause:${input.cause}`) : undefined,
          t.system ? agg(at, `resolved:sys:${t.system}`) : undefined,
          store.hincr(keys.aggOpen(), 'total', -1),
          store.hincr(keys.aggOpen(), `sev:${t.severity}`, -1),
          store.hincr(keys.aggOpen(), `org:${t.org}`, -1),
        ]);
      });
    },

    async reopen(id: string, by: string, reason?: string, byName?: string): Promise<Ticket> {
      return mutate(id, by, 'reopened', async (t) => {
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
          agg(at, 'reopened'),
          store.hincr(keys.aggOpen(), 'total'),
          store.hincr(keys.aggOpen(), `sev:${t.severity}`),
          store.hincr(keys.aggOpen(), `org:${t.org}`),
        ]);
        t.fixedIn = undefined;
      });
    },

    /** Raises severity one step (S1 stays S1) and records who and why. `auto` for SLA timers. */
    async escalate(id: string, by: string, reason: string | undefined, auto = false, byName?: string): Promise<Ticket> {
      return mutate(id, by, auto ? 'auto-escalated' : 'escalated', async (t) => {
        if (t.status === 'resolved') throw new AppError('conflict', 'error.ticket_resolved', { id });
        const idx = SEVERITIES.indexOf(t.severity);
        const next = SEVERITIES[Math.max(0, idx - 1)]!;
        if (next !== t.severity) {
          await store.hincr(keys.aggOpen(), `sev:${t.severity}`, -1);
          await store.hincr(keys.aggOpen(), `sev:${next}`);
        }
        t.severity = next;
        t.escalations += 1;
        t.timeline.push({ at: now(), actor: by, actorName: byName, kind: auto ? 'auto-escalated' : 'escalated', text: reason, staff: true });
        await agg(now(), 'escalated');
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
