import { effectKey } from '../../core/effects.js';
import { targetsOf } from '../escalation.js';
import { businessTimeBetween, type SlaContract } from '../sla/calendar.js';
import { causeWeekWrites, count, emptyTally, tallyWrites, type Tally } from '../digest/figures.js';
import { checkCause } from '../improvements/causes.js';
import { AppError } from '../../core/errors.js';
import { keys } from '../../core/keys.js';
import { StaleRevisionError, type Write } from '../../core/store.js';
import type { ConversationRef, Locale } from '../../core/types.js';
import type { AuditLog } from '../audit/service.js';
import { bucketOf, type ServiceDeps } from '../deps.js';
import { personLabel } from '../directory/people.js';

export const SEVERITIES = ['S1', 'S2', 'S3', 'S4'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** open → acknowledged → waiting (on the customer; the SLA clocks are paused) → resolved → (reopened: open or acknowledged). */
export type TicketStatus = 'open' | 'acknowledged' | 'waiting' | 'resolved';

export interface TimelineEntry {
  at: number;
  /** `platform:id` or `system:<source>`. */
  actor: string;
  actorName?: string;
  kind: 'created' | 'acknowledged' | 'assigned' | 'comment' | 'note' | 'waiting' | 'resumed' | 'severity' | 'resolved' | 'reopened' | 'escalated' | 'auto-escalated' | 'released';
  text?: string;
  /** Whether a staff member (engineer or above) wrote it: comments cross to the other side. */
  staff?: boolean;
  /** An internal note (`/issue note`): shown to staff only, never sent to a customer's conversation. */
  internal?: boolean;
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
  /** When the response target falls due (epoch ms); counted in the organisation's business time, waiting time excluded. */
  respondDueAt: number;
  /** When the resolution target falls due (epoch ms), counted the same way. */
  resolveDueAt: number;
  /** Since when the ticket waits on the customer (status `waiting`): both SLA clocks are paused. */
  waitingSince?: number;
  /** Counted (business) time, in ms, the ticket spent waiting on the customer before now: due times move out by it. */
  pausedMs?: number;
  escalations: number;
  sourceAlert?: string;
  timeline: TimelineEntry[];
  /** Revision, bumped by every stored change (optimistic concurrency; absent on older tickets = 0). */
  rev?: number;
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
  /**
   * Writes stored together with a change (its SLA timers), after the change is applied to `ticket`.
   * `kinds`: the kinds of the timeline entries the change added (a customer's comment that ends a
   * wait adds `comment` and `resumed`).
   */
  writes?(ticket: Ticket, change: TicketChange, kinds: readonly TicketChange[]): Write[];
  /**
   * Called after every stored change (pushes). `step` is the 1-based position of the change's own
   * timeline entry: stable however many changes follow, so what it keys is the same on a re-run.
   * Errors are the caller's to log.
   */
  changed(ticket: Ticket, change: TicketChange, by: string, step: number): Promise<void>;
}

/** Attempts of an optimistic change under contention before it gives up. */
const MAX_ATTEMPTS = 50;

/** What a change writes besides the ticket: its digest figures (see digest/figures.ts) and index writes. */
interface Change extends Tally {
  writes: Write[];
}

const idOf = (ref: Ticket | string): string => (typeof ref === 'string' ? ref : ref.id);

/** Tickets: lifecycle, timeline, SLA due times, indexes and digest aggregates kept on write. */
export function createTickets(deps: ServiceDeps, audit: AuditLog, hooks: TicketHooks, sla: { contractOf(org: string): Promise<SlaContract> }) {
  const { store, now, config } = deps;

  /**
   * Folds a running wait into `pausedMs` (counted in the organisation's business time) and
   * recomputes both due times from the ticket's severity; a ticket still waiting waits on from `at`.
   * Every change that moves a target goes through here, so the targets are always those of the
   * current severity, counted from creation, plus the time spent waiting on the customer.
   */
  async function retarget(t: Ticket, at: number, stillWaiting: boolean): Promise<void> {
    const contract = await sla.contractOf(t.org);
    if (t.waitingSince !== undefined) {
      t.pausedMs = (t.pausedMs ?? 0) + businessTimeBetween(contract, t.waitingSince, at);
      t.waitingSince = stillWaiting ? at : undefined;
    }
    Object.assign(t, targetsOf(contract, t.severity, t.createdAt, t.pausedMs ?? 0));
  }

  async function load(id: string): Promise<Ticket> {
    const t = await store.get<Ticket>(keys.ticket(id));
    if (!t) throw new AppError('not_found', 'error.ticket_not_found', { id });
    return t;
  }

  /** The batch that stores `ticket` with everything `change` adds. */
  function writesOf(ticket: Ticket, change: Change, at: number): Write[] {
    return [...change.writes, ...tallyWrites(change, at), { op: 'set', key: keys.ticket(ticket.id), value: ticket }];
  }

  /**
   * Applies `fn` to the ticket and stores it with its indexes, aggregates, audit entry and timers
   * in one batch, then notifies. Optimistic: the batch applies only if nobody stored the ticket
   * since it was read, else the change is made again on a fresh read. `ref` is the ticket's id, or
   * the ticket as the caller just read it (one read fewer). Idempotent per delivery: the batch is
   * applied once per effect, and a run that finds the effect on the timeline has nothing to apply
   * (it still notifies: pushes are keyed by delivery too).
   */
  async function mutate(ref: Ticket | string, by: string, kind: TicketChange, fn: (t: Ticket, change: Change) => Promise<void> | void): Promise<Ticket> {
    const effect = effectKey('ticket-change');
    const id = idOf(ref);
    let read: Ticket | undefined = typeof ref === 'string' ? undefined : structuredClone(ref);
    let ticket: Ticket | undefined;
    let step = 0;
    for (let attempt = 1; !ticket; attempt++) {
      const t = read ?? (await load(id));
      read = undefined;
      const done = effect ? t.timeline.findIndex((e) => e.effect === effect) : -1;
      if (done >= 0) {
        ticket = t;
        step = done + 1;
        break;
      }
      const rev = t.rev ?? 0;
      const before = { status: t.status, severity: t.severity, assignee: t.assignee, fixedIn: t.fixedIn };
      const change: Change = { ...emptyTally(), writes: [] };
      const entries = t.timeline.length;
      step = entries + 1;
      await fn(t, change);
      for (const e of t.timeline.slice(entries)) e.effect = effect;
      t.rev = rev + 1;
      const after = { status: t.status, severity: t.severity, assignee: t.assignee, fixedIn: t.fixedIn };
      const kinds = t.timeline.slice(entries).map((e) => e.kind);
      change.writes.push(...audit.entry(by, `ticket.${kind}`, id, before, after, t.org), ...(hooks.writes?.(t, kind, kinds.length ? kinds : [kind]) ?? []));
      try {
        const applied = await store.batch(writesOf(t, change, now()), { once: effect, expect: { key: keys.ticket(id), rev } });
        if (applied) ticket = t;
        else {
          ticket = await load(id);
          step = ticket.timeline.findIndex((e) => e.effect === effect) + 1 || step;
        }
      } catch (e) {
        if (!(e instanceof StaleRevisionError) || attempt >= MAX_ATTEMPTS) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * attempt)));
      }
    }
    await hooks.changed(ticket, kind, by, step);
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
      const at = now();
      const ticket: Ticket = {
        id,
        ...input,
        status: 'open',
        createdAt: at,
        ...targetsOf(await sla.contractOf(input.org), input.severity, at),
        escalations: 0,
        timeline: [{ at, actor: input.reporter, actorName: input.reporterName, kind: 'created', text: input.title, effect }],
      };
      const change: Change = { ...emptyTally(), writes: [] };
      count(change.day, 'opened');
      count(change.day, `opened:sev:${input.severity}`);
      count(change.day, `opened:org:${input.org}`);
      if (input.system) count(change.day, `opened:sys:${input.system}`);
      count(change.open, 'total');
      count(change.open, `sev:${input.severity}`);
      count(change.open, `org:${input.org}`);
      for (const index of [keys.ticketsAll(), keys.ticketsOpen(), keys.ticketsOrg(input.org), keys.ticketsOrgOpen(input.org), keys.ticketsUser(input.reporter)]) {
        change.writes.push({ op: 'zadd', key: index, member: id, score: at });
      }
      change.writes.push(...audit.entry(input.reporter, 'ticket.created', id, undefined, { severity: input.severity, org: input.org }, input.org), ...(hooks.writes?.(ticket, 'created', ['created']) ?? []));
      // A run of the same delivery finds the ticket its first run stored.
      const applied = await store.batch(writesOf(ticket, change, at), { once: effect && keys.effectStep(effect, 'create') });
      const stored = applied ? ticket : await load(id);
      await hooks.changed(stored, 'created', input.reporter, 1);
      return stored;
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

    async ack(ref: Ticket | string, by: string, byName?: string): Promise<Ticket> {
      const id = idOf(ref);
      return mutate(ref, by, 'acknowledged', async (t, change) => {
        if (t.status === 'resolved') throw new AppError('conflict', 'error.ticket_resolved', { id });
        if (t.ackedAt) throw new AppError('conflict', 'error.ticket_already_acked', { id });
        const at = now();
        // Acknowledged while waiting on the customer: the response target counts without the wait so far.
        if (t.status === 'waiting') await retarget(t, at, true);
        else t.status = 'acknowledged';
        t.ackedAt = at;
        if (!t.assignee) {
          t.assignee = by;
          t.assigneeName = byName;
        }
        t.timeline.push({ at, actor: by, actorName: byName, kind: 'acknowledged', staff: true });
        countAck(t, at, change);
      });
    },

    async assign(ref: Ticket | string, by: string, assignee: string, byName?: string, assigneeName?: string): Promise<Ticket> {
      const id = idOf(ref);
      return mutate(ref, by, 'assigned', (t) => {
        if (t.status === 'resolved') throw new AppError('conflict', 'error.ticket_resolved', { id });
        t.assignee = assignee;
        t.assigneeName = assigneeName;
        t.timeline.push({ at: now(), actor: by, actorName: byName, kind: 'assigned', text: personLabel(assignee, assigneeName), staff: true });
      });
    },

    /** A public comment: it reaches the other side. A customer's comment on a ticket waiting on them restarts both SLA clocks. */
    async comment(ref: Ticket | string, by: string, text: string, staff: boolean, byName?: string): Promise<Ticket> {
      return mutate(ref, by, 'comment', async (t) => {
        const at = now();
        t.timeline.push({ at, actor: by, actorName: byName, kind: 'comment', text, staff });
        if (!staff && t.status === 'waiting') {
          await retarget(t, at, false);
          t.status = t.ackedAt ? 'acknowledged' : 'open';
          t.timeline.push({ at, actor: by, actorName: byName, kind: 'resumed' });
        }
      });
    },

    /** An internal note (staff only): kept on the timeline, marked internal, never shown or sent to the customer. */
    async note(ref: Ticket | string, by: string, text: string, byName?: string): Promise<Ticket> {
      return mutate(ref, by, 'note', (t) => {
        t.timeline.push({ at: now(), actor: by, actorName: byName, kind: 'note', text, staff: true, internal: true });
      });
    },

    /** Waits on the customer: both SLA clocks pause until the customer's next comment. */
    async wait(ref: Ticket | string, by: string, reason?: string, byName?: string): Promise<Ticket> {
      const id = idOf(ref);
      return mutate(ref, by, 'waiting', (t) => {
        if (t.status === 'resolved') throw new AppError('conflict', 'error.ticket_resolved', { id });
        if (t.status === 'waiting') throw new AppError('conflict', 'error.ticket_already_waiting', { id });
        const at = now();
        t.status = 'waiting';
        t.waitingSince = at;
        t.timeline.push({ at, actor: by, actorName: byName, kind: 'waiting', text: reason, staff: true });
      });
    },

    /** Sets the severity (up or down) and recomputes both targets from it; records who and why. */
    async setSeverity(ref: Ticket | string, by: string, severity: Severity, reason?: string, byName?: string): Promise<Ticket> {
      const id = idOf(ref);
      return mutate(ref, by, 'severity', async (t, change) => {
        if (t.status === 'resolved') throw new AppError('conflict', 'error.ticket_resolved', { id });
        if (t.severity === severity) throw new AppError('conflict', 'error.same_severity', { id, severity });
        const at = now();
        count(change.open, `sev:${t.severity}`, -1);
        count(change.open, `sev:${severity}`);
        const text = `${t.severity} → ${severity}${reason ? `: ${reason}` : ''}`;
        t.severity = severity;
        await retarget(t, at, t.status === 'waiting');
        t.timeline.push({ at, actor: by, actorName: byName, kind: 'severity', text, staff: true });
      });
    },

    async resolve(ref: Ticket | string, by: string, input: { fixedIn?: string; cause?: string; note?: string }, byName?: string): Promise<Ticket> {
      const id = idOf(ref);
      return mutate(ref, by, 'resolved', async (t, change) => {
        if (t.status === 'resolved') throw new AppError('conflict', 'error.ticket_resolved', { id });
        checkCause(config.causes, t, input.cause);
        const at = now();
        const wasAcked = Boolean(t.ackedAt);
        // Resolved while waiting on the customer: the targets count without the wait.
        if (t.status === 'waiting') await retarget(t, at, false);
        t.status = 'resolved';
        t.resolvedAt = at;
        t.fixedIn = input.fixedIn;
        t.cause = input.cause;
        t.resolution = input.note;
        if (!wasAcked) {
          t.ackedAt = at;
          countAck(t, at, change);
        }
        t.timeline.push({ at, actor: by, actorName: byName, kind: 'resolved', text: input.note, staff: true });
        change.writes.push(
          { op: 'zrem', key: keys.ticketsOpen(), member: id },
          { op: 'zrem', key: keys.ticketsOrgOpen(t.org), member: id },
          { op: 'zadd', key: keys.ticketsResolved(), member: id, score: at },
        );
        if (input.fixedIn) change.writes.push({ op: 'zadd', key: keys.ticketsFixedIn(input.fixedIn), member: id, score: at });
        count(change.day, 'resolved');
        count(change.day, `resolved:sev:${t.severity}`);
        count(change.day, `mttr:b:${bucketOf(at - t.createdAt)}`);
        count(change.day, 'sla:total');
        if (at <= t.resolveDueAt) count(change.day, 'sla:met');
        if (input.cause) {
          count(change.day, `cause:${input.cause}`);
          change.writes.push(...causeWeekWrites(t.createdAt, input.cause, t.system, 1));
        }
        // What training could prevent: user errors per system (the digest suggests a topic when they recur).
        if (input.cause === 'user-error' && t.system) count(change.day, `usererror:sys:${t.system}`);
        if (t.system) count(change.day, `resolved:sys:${t.system}`);
        count(change.open, 'total', -1);
        count(change.open, `sev:${t.severity}`, -1);
        count(change.open, `org:${t.org}`, -1);
      });
    },

    async reopen(ref: Ticket | string, by: string, reason?: string, byName?: string): Promise<Ticket> {
      const id = idOf(ref);
      return mutate(ref, by, 'reopened', async (t, change) => {
        if (t.status !== 'resolved') throw new AppError('conflict', 'error.ticket_not_resolved', { id });
        const at = now();
        t.status = t.ackedAt ? 'acknowledged' : 'open';
        t.resolvedAt = undefined;
        t.timeline.push({ at, actor: by, actorName: byName, kind: 'reopened', text: reason });
        change.writes.push(
          { op: 'zadd', key: keys.ticketsOpen(), member: id, score: t.createdAt },
          { op: 'zadd', key: keys.ticketsOrgOpen(t.org), member: id, score: t.createdAt },
          { op: 'zrem', key: keys.ticketsResolved(), member: id },
        );
        if (t.fixedIn) change.writes.push({ op: 'zrem', key: keys.ticketsFixedIn(t.fixedIn), member: id });
        if (t.cause) change.writes.push(...causeWeekWrites(t.createdAt, t.cause, t.system, -1));
        count(change.day, 'reopened');
        count(change.open, 'total');
        count(change.open, `sev:${t.severity}`);
        count(change.open, `org:${t.org}`);
        t.fixedIn = undefined;
      });
    },

    /** Raises severity one step (S1 stays S1) and records who and why. `auto` for SLA timers. */
    async escalate(ref: Ticket | string, by: string, reason: string | undefined, auto = false, byName?: string): Promise<Ticket> {
      const id = idOf(ref);
      return mutate(ref, by, auto ? 'auto-escalated' : 'escalated', async (t, change) => {
        if (t.status === 'resolved') throw new AppError('conflict', 'error.ticket_resolved', { id });
        const before = t.severity;
        const idx = SEVERITIES.indexOf(t.severity);
        const next = SEVERITIES[Math.max(0, idx - 1)]!;
        if (next !== t.severity) {
          count(change.open, `sev:${t.severity}`, -1);
          count(change.open, `sev:${next}`);
        }
        t.severity = next;
        // The new severity's targets (both), counted from when the ticket was opened.
        if (next !== before) await retarget(t, now(), t.status === 'waiting');
        t.escalations += 1;
        t.timeline.push({ at: now(), actor: by, actorName: byName, kind: auto ? 'auto-escalated' : 'escalated', text: reason, staff: true });
        count(change.day, 'escalated');
      });
    },

    /** Tickets fixed in a release (index kept on resolve). */
    async fixedIn(version: string): Promise<Ticket[]> {
      const ids = await store.zrange(keys.ticketsFixedIn(version), -Infinity, Infinity);
      return (await store.getMany<Ticket>(ids.map((m) => keys.ticket(m.member)))).filter((t): t is Ticket => t !== undefined);
    },

    /** Notes on the ticket that `version` shipped its fix; a ticket that has the note already is left alone. */
    async noteRelease(ref: Ticket | string, version: string): Promise<void> {
      const ticket = typeof ref === 'string' ? await load(ref) : ref;
      if (ticket.timeline.some((e) => e.kind === 'released' && e.text === version)) return;
      await mutate(ticket, 'system:release', 'released', (t) => {
        t.timeline.push({ at: now(), actor: 'system:release', kind: 'released', text: version });
        if (!t.fixedIn) t.fixedIn = version;
      });
    },
  };
}
export type Tickets = ReturnType<typeof createTickets>;

/** The aggregates of a first response: acked, its time-to-acknowledge bucket, the response target met or not. */
function countAck(t: Ticket, at: number, change: Change): void {
  count(change.day, 'acked');
  count(change.day, `mtta:b:${bucketOf(at - t.createdAt)}`);
  count(change.day, 'respond:total');
  if (at <= t.respondDueAt) count(change.day, 'respond:met');
}
