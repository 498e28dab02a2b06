import { effectKey } from '../../core/effects.js';
import { AppError } from '../../core/errors.js';
import { keys } from '../../core/keys.js';
import { roleAtLeast, type Role } from '../../core/registry.js';
import { StaleRevisionError, type Write } from '../../core/store.js';
import type { OutboundMessage } from '../../core/types.js';
import type { AuditLog } from '../audit/service.js';
import type { CardContext } from '../cards.js';
import { withLock, type ServiceDeps } from '../deps.js';
import type { DirectNotices } from '../direct.js';
import type { Directory } from '../directory/service.js';
import type { Notify } from '../notify.js';
import type { Timer, Timers } from '../timers.js';
import { incidentCard, overdueNotice, overduePage, timelineCard } from './cards.js';

export type StepState = 'open' | 'done' | 'blocked';

/** A step of an emergency-response plan: a name and the hours after declaration it is due. */
export interface PlanStep {
  step: string;
  hours: number;
}

/** The default emergency-response plan: contain, assess exposure, notify the customer, preserve evidence, recover, report. */
export const DEFAULT_PLAN: readonly PlanStep[] = [
  { step: 'contain', hours: 1 },
  { step: 'assess', hours: 4 },
  { step: 'notify', hours: 24 },
  { step: 'preserve', hours: 24 },
  { step: 'recover', hours: 72 },
  { step: 'report', hours: 120 },
];

export interface IncidentStep extends PlanStep {
  dueAt: number;
  state: StepState;
  by?: string;
  byName?: string;
  at?: number;
}

export interface IncidentEvent {
  at: number;
  actor: string;
  actorName?: string;
  /** `declared`, `step:<n>:<state>`, `overdue:<n>`, `closed`. */
  what: string;
}

/** A private security incident `SEC-n` of one organisation. */
export interface SecurityIncident {
  id: string;
  org: string;
  severity: 'S1' | 'S2' | 'S3' | 'S4';
  title: string;
  declaredBy: string;
  declaredAt: number;
  status: 'open' | 'closed';
  closedAt?: number;
  steps: IncidentStep[];
  timeline: IncidentEvent[];
  rev?: number;
}

export const STEP_TIMER = 'security-step';
const HOUR = 3_600_000;
const stepTimerId = (id: string, n: number) => `security:${id}:step:${n}`;

export interface SecurityDeps {
  directory: Directory;
  direct: DirectNotices;
  notify: Pick<Notify, 'toSubscribers'>;
  timers: Pick<Timers, 'scheduleWrites' | 'cancelWrites'>;
}

/**
 * Security incidents: the `security` grant, each organisation's security contacts and
 * emergency-response plan, incidents with a checklist of deadlines. An incident is visible only to
 * admins, staff with the grant and that organisation's contacts, and only in their direct
 * conversations with the bot: every push of it goes to those people one by one, and every read
 * checks the reader. Overdue steps page `escalations` with no detail. Every change is audited.
 */
export function createSecurity(deps: ServiceDeps, audit: AuditLog, s: SecurityDeps) {
  const { store, now, config } = deps;

  async function isGranted(user: string): Promise<boolean> {
    return (await store.zscore(keys.securityGrants(), user)) !== undefined;
  }

  /** Everyone who may see an incident of `org`: admins, granted staff, the organisation's contacts. */
  async function allowed(org: string): Promise<string[]> {
    const [holders, grants, contacts] = await Promise.all([
      store.zrange(keys.roleHolders(), -Infinity, Infinity),
      store.zrange(keys.securityGrants(), -Infinity, Infinity),
      store.zrange(keys.securityContacts(org), -Infinity, Infinity),
    ]);
    const people = new Set<string>(config.admins);
    const candidates = [...new Set([...holders, ...grants].map((m) => m.member))];
    const roles = await Promise.all(candidates.map((u) => s.directory.role(u)));
    const granted = new Set(grants.map((m) => m.member));
    candidates.forEach((u, i) => {
      const role = roles[i]!;
      if (role === 'admin' || (granted.has(u) && roleAtLeast(role, 'engineer'))) people.add(u);
    });
    for (const c of contacts) people.add(c.member);
    return [...people].sort();
  }

  /** Whether `user` with `role` may see incidents of `org`. */
  async function mayAccess(user: string, role: Role, org: string): Promise<boolean> {
    if (role === 'admin') return true;
    if (roleAtLeast(role, 'engineer') && (await isGranted(user))) return true;
    return (await store.zscore(keys.securityContacts(org), user)) !== undefined;
  }

  async function visible(user: string, role: Role, id: string): Promise<SecurityIncident> {
    const incident = await store.get<SecurityIncident>(keys.securityIncident(id));
    if (!incident || !(await mayAccess(user, role, incident.org))) throw new AppError('not_found', 'error.security_not_found', { id });
    return incident;
  }

  /** Shows the incident's card (updated in place) to everyone allowed; returns who could not be reached. */
  async function pushCard(incident: SecurityIncident): Promise<string[]> {
    const missed: string[] = [];
    for (const user of await allowed(incident.org)) {
      const reached = await s.direct.toUser(user, (c) => incidentCard(incident, c), { cardKey: `sec:${incident.id}` });
      if (!reached) missed.push(user);
    }
    return missed;
  }

  async function planOf(org: string): Promise<PlanStep[]> {
    return (await store.get<PlanStep[]>(keys.securityPlan(org))) ?? [...DEFAULT_PLAN];
  }

  /**
   * Read-modify-write of an incident: `fn` changes it, then it is stored with `extra(incident)`
   * writes and its audit entry in one batch, only if nobody stored it since it was read.
   */
  async function change(id: string, by: string, action: string, fn: (i: SecurityIncident) => void, extra: (i: SecurityIncident) => Write[] = () => []): Promise<SecurityIncident> {
    for (let attempt = 1; ; attempt++) {
      const incident = await store.get<SecurityIncident>(keys.securityIncident(id));
      if (!incident) throw new AppError('not_found', 'error.security_not_found', { id });
      const rev = incident.rev ?? 0;
      const before = { status: incident.status, steps: incident.steps.map((x) => x.state) };
      fn(incident);
      incident.rev = rev + 1;
      const after = { status: incident.status, steps: incident.steps.map((x) => x.state) };
      try {
        await store.batch(
          [{ op: 'set', key: keys.securityIncident(id), value: incident }, ...extra(incident), ...audit.entry(by, action, id, before, after, incident.org)],
          { expect: { key: keys.securityIncident(id), rev } },
        );
        return incident;
      } catch (e) {
        if (!(e instanceof StaleRevisionError) || attempt >= 20) throw e;
      }
    }
  }

  return {
    allowed,
    mayAccess,
    planOf,

    /** Grants or withdraws the `security` grant (admin). */
    async grant(by: string, user: string, on: boolean): Promise<void> {
      const was = await isGranted(user);
      await store.batch([
        on ? { op: 'zadd', key: keys.securityGrants(), member: user, score: now() } : { op: 'zrem', key: keys.securityGrants(), member: user },
        ...audit.entry(by, on ? 'security.grant' : 'security.revoke', user, was, on),
      ]);
    },
    isGranted,

    /** Names or removes a security contact of `org` (admin, in that organisation's channel). */
    async contact(by: string, org: string, user: string, on: boolean): Promise<void> {
      await store.batch([
        on ? { op: 'zadd', key: keys.securityContacts(org), member: user, score: now() } : { op: 'zrem', key: keys.securityContacts(org), member: user },
        ...audit.entry(by, on ? 'security.contact_added' : 'security.contact_removed', user, undefined, org, org),
      ]);
    },

    /** Sets an organisation's emergency-response plan (admin). */
    async setPlan(by: string, org: string, plan: PlanStep[]): Promise<void> {
      if ((await store.zscore(keys.orgs(), org)) === undefined) throw new AppError('not_found', 'error.unknown_org', { org });
      const before = await store.get<PlanStep[]>(keys.securityPlan(org));
      await store.batch([{ op: 'set', key: keys.securityPlan(org), value: plan }, ...audit.entry(by, 'security.plan', org, before, plan, org)]);
    },

    /**
     * Declares an incident (admin, or engineer+ with the grant): loads the organisation's plan as a
     * checklist with deadlines, stores a timer per step, and sends the card privately to everyone
     * allowed. Idempotent per delivery. Returns the incident and who could not be reached.
     */
    async declare(by: string, role: Role, input: { org: string; severity: SecurityIncident['severity']; title: string }, byName?: string): Promise<{ incident: SecurityIncident; missed: string[]; reached: number }> {
      if (!(role === 'admin' || (roleAtLeast(role, 'engineer') && (await isGranted(by))))) throw new AppError('forbidden', 'error.security_forbidden');
      if ((await store.zscore(keys.orgs(), input.org)) === undefined) throw new AppError('not_found', 'error.unknown_org', { org: input.org });
      const effect = effectKey('security');
      const id = `SEC-${await store.nextId(keys.seq('SEC'), effect)}`;
      const at = now();
      const steps: IncidentStep[] = (await planOf(input.org)).map((p) => ({ ...p, dueAt: at + p.hours * HOUR, state: 'open' }));
      const incident: SecurityIncident = { id, ...input, declaredBy: by, declaredAt: at, status: 'open', steps, timeline: [{ at, actor: by, actorName: byName, what: 'declared' }], rev: 1 };
      const timers = steps.flatMap((st, i) => s.timers.scheduleWrites({ id: stepTimerId(id, i + 1), kind: STEP_TIMER, dueAt: st.dueAt, data: { id, n: i + 1 } }));
      const applied = await store.batch(
        [
          { op: 'set', key: keys.securityIncident(id), value: incident },
          { op: 'zadd', key: keys.securityOpen(), member: id, score: at },
          { op: 'zadd', key: keys.securityAll(), member: id, score: at },
          ...timers,
          ...audit.entry(by, 'security.declared', id, undefined, { org: input.org, severity: input.severity, title: input.title }, input.org),
        ],
        { once: effect && keys.effectStep(effect, 'declare') },
      );
      const stored = applied ? incident : ((await store.get<SecurityIncident>(keys.securityIncident(id))) ?? incident);
      const people = await allowed(stored.org);
      const missed = await pushCard(stored);
      return { incident: stored, missed, reached: people.length - missed.length };
    },

    /** Open incidents `user` may see, newest first. */
    async list(user: string, role: Role): Promise<SecurityIncident[]> {
      const ids = await store.zrange(keys.securityOpen(), -Infinity, Infinity, { reverse: true, limit: 200 });
      const all = (await store.getMany<SecurityIncident>(ids.map((m) => keys.securityIncident(m.member)))).filter((i): i is SecurityIncident => i !== undefined);
      const out: SecurityIncident[] = [];
      for (const i of all) if (await mayAccess(user, role, i.org)) out.push(i);
      return out;
    },

    get: visible,

    /**
     * Marks step `n` (1-based) Done or Blocked. Done on the last open step closes the incident,
     * cancels its timers and sends its timeline to the admins. Every reader's card is updated.
     */
    async setStep(by: string, role: Role, id: string, n: number, state: 'done' | 'blocked', byName?: string): Promise<SecurityIncident> {
      const seen = await visible(by, role, id);
      // The same answer again (a double click, a delivery run again): nothing to change.
      const already = seen.steps[n - 1];
      if (already && already.state === state && already.by === by) return seen;
      return withLock(store, `security:${id}`, async () => {
        let closedNow = false;
        const incident = await change(
          id,
          by,
          `security.step.${state}`,
          (i) => {
            if (i.status === 'closed') throw new AppError('conflict', 'error.security_closed', { id });
            const step = i.steps[n - 1];
            if (!step || step.state === 'done') throw new AppError('invalid_argument', 'error.security_step', { id, step: n });
            const at = now();
            Object.assign(step, { state, by, at, ...(byName ? { byName } : {}) });
            i.timeline.push({ at, actor: by, actorName: byName, what: `step:${n}:${state}` });
            if (i.steps.every((x) => x.state === 'done')) {
              i.status = 'closed';
              i.closedAt = at;
              i.timeline.push({ at, actor: by, actorName: byName, what: 'closed' });
              closedNow = true;
            }
          },
          (i) =>
            i.status === 'closed'
              ? [{ op: 'zrem', key: keys.securityOpen(), member: id }, ...i.steps.flatMap((_, k) => s.timers.cancelWrites(stepTimerId(id, k + 1)))]
              : state === 'done'
                ? s.timers.cancelWrites(stepTimerId(id, n))
                : [],
        );
        await pushCard(incident);
        if (closedNow) {
          const people = await allowed(incident.org);
          const roles = await Promise.all(people.map((u) => s.directory.role(u)));
          const admins = people.filter((_, k) => roles[k] === 'admin');
          for (const admin of admins) await s.direct.toUser(admin, (c) => timelineCard(incident, c), { idempotencyKey: `sec:${id}:closed:${admin}` });
        }
        return incident;
      });
    },

    /** A step's deadline passed: page `escalations` (no detail) and tell the incident's readers, once. */
    async onTimer(timer: Timer): Promise<void> {
      if (timer.kind !== STEP_TIMER) return;
      const id = String(timer.data.id);
      const n = Number(timer.data.n);
      const incident = await store.get<SecurityIncident>(keys.securityIncident(id));
      const step = incident?.steps[n - 1];
      if (!incident || !step || incident.status === 'closed' || step.state === 'done') return;
      await store.batch(audit.entry('system:timer', 'security.step.overdue', id, undefined, { step: n }, incident.org));
      await s.notify.toSubscribers('escalations', undefined, (c): OutboundMessage => overduePage(incident, n, c), undefined, `sec:${id}:${n}:page`);
      for (const user of await allowed(incident.org)) {
        await s.direct.toUser(user, (c: CardContext) => overdueNotice(incident, n, c), { idempotencyKey: `sec:${id}:${n}:overdue:${user}` });
      }
    },
  };
}
export type Security = ReturnType<typeof createSecurity>;
