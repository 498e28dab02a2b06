import { effectKey } from '../../core/effects.js';
import { count, emptyTally, tallyWrites, type Tally } from '../digest/figures.js';
import { AppError } from '../../core/errors.js';
import { keys } from '../../core/keys.js';
import type { Write } from '../../core/store.js';
import { systemKey } from '../../core/systems.js';
import type { AuditLog } from '../audit/service.js';
import { withLock, type ServiceDeps } from '../deps.js';

export type AlertSeverity = 'critical' | 'warning' | 'info';

/** Worst first: a group's severity is the first of these any firing member has. */
const SEVERITY_RANK: Record<AlertSeverity, number> = { critical: 0, warning: 1, info: 2 };
export const worstSeverity = (list: AlertSeverity[]): AlertSeverity | undefined => [...list].sort((a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b])[0];

/**
 * What a report does to its alert:
 * - `state` (default): the source's current state; severity, title and text follow it, `resolved` resolves;
 * - `ack`: acknowledged in the monitoring tool: acknowledges ours and stops its escalation; never opens one;
 * - `note`: only refreshes an open alert's text (Nagios CUSTOM, DOWNTIMEEND…); never opens one.
 */
export type AlertReportKind = 'state' | 'ack' | 'note';

export interface AlertInput {
  source: 'alertmanager' | 'zabbix' | 'nagios' | 'generic';
  system: string;
  title: string;
  severity: AlertSeverity;
  status: 'firing' | 'resolved';
  dedupKey: string;
  description?: string;
  url?: string;
  labels?: Record<string, string>;
  /**
   * Alerts sharing a group (Alertmanager's groupKey) share one ALR and one message: `dedupKey` then
   * names the member (its fingerprint) and the ALR counts distinct members, so a storm of thousands
   * of alerts becomes one message per group, updated in place. Without a group, the dedup key is the group.
   */
  group?: string;
  kind?: AlertReportKind;
  /** Who acknowledged it in the source (with `kind: 'ack'`, or a Zabbix update that acknowledges). */
  ackBy?: string;
}

/**
 * What one grouped report shows of its group (Alertmanager): `truncated` members were left out
 * (`max_alerts`, reported as `truncatedAlerts`). A view with none left out lists every member the
 * group has, so a member missing from it has left the group (resolved).
 */
export interface GroupView {
  truncated: number;
  /** The report is about some members only (not a whole-group notification): absent members keep their state. */
  partial?: boolean;
  /** How many members the report listed (with `truncated`, the group's size at that moment). */
  shown?: number;
}

/** One member of a grouped alert, as its latest report left it. */
export interface AlertMember {
  status: 'firing' | 'resolved';
  severity: AlertSeverity;
  description?: string;
  at: number;
}

export interface Alert extends Omit<AlertInput, 'status' | 'kind' | 'ackBy'> {
  id: string;
  status: 'firing' | 'acknowledged' | 'resolved';
  firstAt: number;
  lastAt: number;
  /** Single alerts: how many times the source reported it firing. Grouped: members known plus those not shown. */
  count: number;
  ackedAt?: number;
  ackedBy?: string;
  resolvedAt?: number;
  resolvedBy?: string;
  escalations: number;
  ticketId?: string;
  /** Grouped alerts: members known to fire now. */
  firing?: number;
  /** Grouped alerts: members the latest report left out (Alertmanager `truncatedAlerts`): their state is unknown. */
  hidden?: number;
  /** The last deliveries' effect keys that changed it (see src/core/effects.ts): a re-run finds its own and changes nothing. */
  effects?: string[];
}

/** How many effect keys an alert remembers: more than changes a delivery could be re-run across. */
const MAX_EFFECTS = 20;

/** What happened to an alert. */
export type AlertChange = 'fired' | 'repeated' | 'updated' | 'acknowledged' | 'resolved' | 'escalated' | 'linked';

export interface AlertHooks {
  changed(alert: Alert, change: AlertChange, by: string): Promise<void>;
  /**
   * The alert's response timer (the escalation policy's): started when it fires, started again
   * (on its new target) when its severity changes, stopped when it is acknowledged or resolved.
   */
  respondTimer: { start(alert: Alert): Promise<void>; stop(id: string): Promise<void> };
}

/** Monitoring alerts: the latest report of each source wins; ack / escalate / resolve; aggregates for the digest. */
export function createAlerts(deps: ServiceDeps, audit: AuditLog, hooks: AlertHooks) {
  const { store, now } = deps;
  const stopTimer = (id: string) => hooks.respondTimer.stop(id);
  const openKeyOf = (a: Pick<AlertInput, 'group' | 'dedupKey'>) => (a.group ? `grp:${a.group}` : a.dedupKey);

  /** Marks `a` resolved (in place). */
  function markResolved(a: Alert, by: string) {
    a.status = 'resolved';
    a.resolvedAt = now();
    a.resolvedBy = by;
  }

  /** Marks `a` acknowledged in its source (in place); false when it already was. */
  function markAckedBySource(a: Alert, input: AlertInput, day: Tally['day']): boolean {
    if (a.status !== 'firing' || a.ackedAt) return false;
    a.status = 'acknowledged';
    a.ackedAt = now();
    a.ackedBy = `${input.source}:${input.ackBy ?? 'monitoring'}`;
    count(day, 'alerts:acked');
    return true;
  }

  /** Writes that drop an alert from the open set (its dedup pointer and the open index). */
  const closeWrites = (a: Alert): Write[] => [
    { op: 'delete', key: keys.alertByDedup(openKeyOf(a)) },
    { op: 'zrem', key: keys.alertsOpen(), member: a.id },
  ];

  /** Opens a new alert (with its members when grouped) in one batch, starts its timer and announces it. */
  async function openAlert(input: AlertInput, by: string, members?: Record<string, AlertMember>, view?: GroupView): Promise<Alert> {
    const id = `ALR-${await store.nextId(keys.seq('ALR'), effectKey('alert'))}`;
    const at = now();
    const { status: _s, kind: _k, ackBy: _a, ...rest } = input;
    const alert: Alert = { ...rest, id, status: 'firing', firstAt: at, lastAt: at, count: 1, escalations: 0 };
    const tally = emptyTally();
    count(tally.day, 'alerts:fired');
    count(tally.day, `alerts:rule:${input.title}`);
    if (members) applyGroup(alert, members, view ?? { truncated: 0 });
    if (input.ackBy) markAckedBySource(alert, input, tally.day);
    await store.batch([
      { op: 'set', key: keys.alert(id), value: alert },
      ...(members ? [{ op: 'set' as const, key: keys.alertMembers(id), value: members }] : []),
      { op: 'set', key: keys.alertByDedup(openKeyOf(input)), value: id },
      { op: 'zadd', key: keys.alertsOpen(), member: id, score: at },
      { op: 'zadd', key: keys.alertsAll(), member: id, score: at },
      { op: 'zadd', key: keys.alertsBySystem(systemKey(input.system)), member: id, score: at },
      ...tallyWrites(tally, at),
      ...audit.entry(by, 'alert.fired', id, undefined, { dedupKey: input.dedupKey, group: input.group, severity: alert.severity }),
    ]);
    if (alert.status === 'firing') await hooks.respondTimer.start(alert);
    await hooks.changed(alert, 'fired', by);
    return alert;
  }

  /** A group's figures from its members: count, firing, hidden, worst firing severity and that member's text. */
  function applyGroup(a: Alert, members: Record<string, AlertMember>, view: GroupView) {
    const all = Object.values(members);
    const firing = all.filter((m) => m.status === 'firing');
    a.firing = firing.length;
    a.hidden = view.truncated;
    // Members seen so far, or the size the source gives now (listed + left out) if larger: a member
    // seen before may be among those left out, so the two are not added.
    a.count = Math.max(all.length, (view.shown ?? 0) + view.truncated);
    const worst = worstSeverity(firing.map((m) => m.severity));
    if (worst) {
      a.severity = worst;
      const shown = firing.filter((m) => m.severity === worst).sort((x, y) => y.at - x.at)[0];
      if (shown?.description) a.description = shown.description;
    }
  }

  /**
   * One report about a single (ungrouped) alert, under its dedup lock: the latest report wins.
   * Throws not_found for a report that would change nothing because no such alert is open.
   */
  async function ingestSingle(input: AlertInput, by: string): Promise<{ alert: Alert; created: boolean }> {
    const kind = input.kind ?? 'state';
    const openId = await store.get<string>(keys.alertByDedup(input.dedupKey));
    if (!openId) {
      if (kind !== 'state' || input.status === 'resolved') throw new AppError('not_found', 'error.alert_not_firing', { key: input.dedupKey });
      return { alert: await openAlert(input, by), created: true };
    }
    let change: AlertChange = 'repeated';
    let severityChanged = false;
    const alert = await mutate(openId, by, () => change, (a, day, writes) => {
      a.lastAt = now();
      if (kind === 'state' && input.status === 'resolved') {
        markResolved(a, by);
        writes.push(...closeWrites(a));
        change = 'resolved';
        return;
      }
      if (kind === 'state') {
        severityChanged = a.severity !== input.severity;
        if (severityChanged || a.title !== input.title || (input.description !== undefined && a.description !== input.description)) change = 'updated';
        a.severity = input.severity;
        a.title = input.title;
        if (input.description !== undefined) a.description = input.description;
        if (input.url) a.url = input.url;
        a.count += 1;
      } else if (kind === 'note' && input.description !== undefined && a.description !== input.description) {
        a.description = input.description;
        change = 'updated';
      }
      if ((kind === 'ack' || input.ackBy) && markAckedBySource(a, input, day)) change = 'acknowledged';
    });
    await afterChange(alert, severityChanged);
    return { alert, created: false };
  }

  /** Timer upkeep after a change: stopped when acked or resolved, moved to the new target when the severity changed. */
  async function afterChange(alert: Alert, severityChanged: boolean) {
    if (alert.status !== 'firing') await stopTimer(alert.id);
    else if (severityChanged) await hooks.respondTimer.start(alert);
  }

  async function load(id: string): Promise<Alert> {
    const a = await store.get<Alert>(keys.alert(id));
    if (!a) throw new AppError('not_found', 'error.alert_not_found', { id });
    return a;
  }

  /**
   * Loads, applies `fn` under the alert's lock, stores the alert with its digest figures, audit
   * entry and the writes `fn` adds in one batch, then notifies. Idempotent per delivery: the alert
   * remembers the effect keys of the last changes, and a re-run that finds its own has nothing to apply.
   */
  async function mutate(id: string, by: string, change: AlertChange | (() => AlertChange), fn: (a: Alert, day: Tally['day'], writes: Write[]) => Promise<void> | void) {
    const effect = effectKey('alert-change');
    const alert = await withLock(store, `alert:${id}`, async () => {
      const a = await load(id);
      if (effect && a.effects?.includes(effect)) return a;
      const before = a.status;
      const tally = emptyTally();
      const writes: Write[] = [];
      await fn(a, tally.day, writes);
      if (effect) a.effects = [...(a.effects ?? []), effect].slice(-MAX_EFFECTS);
      const what = typeof change === 'function' ? change() : change;
      await store.batch([{ op: 'set', key: keys.alert(id), value: a }, ...writes, ...tallyWrites(tally, now()), ...audit.entry(by, `alert.${what}`, id, before, a.status)]);
      return a;
    });
    // Also on a re-run that found its own effect: the push is idempotent per card, and may not have gone out.
    await hooks.changed(alert, typeof change === 'function' ? change() : change, by);
    return alert;
  }

  /**
   * One grouped report (an Alertmanager or Grafana notification): every member's latest state,
   * then the group's figures from them, in one step under the group's lock. The group is resolved
   * only when every member is known resolved and none was left out of the report.
   */
  async function ingestGroup(inputs: AlertInput[], view: GroupView, by: string): Promise<{ alert: Alert; created: boolean } | undefined> {
    const first = inputs[0]!;
    const openId = await store.get<string>(keys.alertByDedup(openKeyOf(first)));
    const at = now();
    const members: Record<string, AlertMember> = openId ? ((await store.get<Record<string, AlertMember>>(keys.alertMembers(openId))) ?? {}) : {};
    const reported = new Set<string>();
    for (const input of inputs) {
      reported.add(input.dedupKey);
      members[input.dedupKey] = { status: input.status, severity: input.severity, ...(input.description ? { description: input.description } : {}), at };
    }
    // A complete view lists every member the group still has: one missing from it has left (resolved).
    if (view.truncated === 0 && !view.partial) for (const [k, m] of Object.entries(members)) if (!reported.has(k) && m.status === 'firing') members[k] = { ...m, status: 'resolved', at };
    const anyFiring = Object.values(members).some((m) => m.status === 'firing');
    if (!openId) {
      if (!anyFiring && view.truncated === 0) return undefined;
      const lead = inputs.find((i) => i.status === 'firing') ?? first;
      return { alert: await openAlert({ ...lead, status: 'firing' }, by, members, view), created: true };
    }
    let change: AlertChange = 'repeated';
    let severityChanged = false;
    const alert = await mutate(openId, by, () => change, (a, _day, writes) => {
      const before = { severity: a.severity, description: a.description, firing: a.firing, count: a.count, hidden: a.hidden };
      a.lastAt = at;
      applyGroup(a, members, view);
      severityChanged = a.severity !== before.severity;
      if (severityChanged || a.description !== before.description || a.firing !== before.firing || a.count !== before.count || a.hidden !== before.hidden) change = 'updated';
      writes.push({ op: 'set', key: keys.alertMembers(openId), value: members });
      if (!anyFiring && view.truncated === 0 && a.status !== 'resolved') {
        markResolved(a, by);
        writes.push(...closeWrites(a));
        change = 'resolved';
      }
    });
    await afterChange(alert, severityChanged);
    return { alert, created: false };
  }

  return {
    get: load,
    async find(id: string): Promise<Alert | undefined> {
      return store.get<Alert>(keys.alert(id));
    },
    /**
     * Records one report about an ungrouped alert (the latest report wins), or one member of a group
     * as a partial view. Throws not_found when the report changes nothing because no such alert is open.
     */
    async ingest(input: AlertInput, by = `system:${input.source}`): Promise<{ alert: Alert; created: boolean }> {
      return withLock(store, `alert-dedup:${openKeyOf(input)}`, async () => {
        if (!input.group) return ingestSingle(input, by);
        const out = await ingestGroup([input], { truncated: 0, partial: true }, by);
        if (!out) throw new AppError('not_found', 'error.alert_not_firing', { key: input.dedupKey });
        return out;
      });
    },
    /**
     * Records one grouped report (every member it lists, and how many it left out). Undefined when
     * it opens nothing (all resolved, nothing open).
     */
    async ingestGroup(inputs: AlertInput[], view: GroupView, by = `system:${inputs[0]?.source}`): Promise<{ alert: Alert; created: boolean } | undefined> {
      if (!inputs.length) return undefined;
      return withLock(store, `alert-dedup:${openKeyOf(inputs[0]!)}`, () => ingestGroup(inputs, { ...view, shown: view.shown ?? inputs.length }, by));
    },
    async ack(id: string, by: string): Promise<Alert> {
      const alert = await mutate(id, by, 'acknowledged', (a, day) => {
        if (a.status === 'resolved') throw new AppError('conflict', 'error.alert_resolved', { id });
        if (a.ackedAt) throw new AppError('conflict', 'error.alert_already_acked', { id });
        a.status = 'acknowledged';
        a.ackedAt = now();
        a.ackedBy = by;
        count(day, 'alerts:acked');
      });
      await stopTimer(id);
      return alert;
    },
    async resolve(id: string, by: string): Promise<Alert> {
      const alert = await mutate(id, by, 'resolved', (a, _day, writes) => {
        if (a.status === 'resolved') throw new AppError('conflict', 'error.alert_resolved', { id });
        markResolved(a, by);
        writes.push(...closeWrites(a));
      });
      await stopTimer(id);
      return alert;
    },
    async escalate(id: string, by: string): Promise<Alert> {
      return mutate(id, by, 'escalated', (a, day) => {
        if (a.status === 'resolved') throw new AppError('conflict', 'error.alert_resolved', { id });
        a.escalations += 1;
        count(day, 'escalated');
      });
    },
    async linkTicket(id: string, ticketId: string, by: string): Promise<Alert> {
      return mutate(id, by, 'linked', (a) => {
        a.ticketId = ticketId;
      });
    },
    /**
     * Open alerts by state (firing, acknowledged), for the metrics: reads the open alerts (what is
     * live, not history), at most 10,000 of them.
     */
    async openByState(): Promise<Record<string, number>> {
      const counts: Record<string, number> = { firing: 0, acknowledged: 0 };
      for (const a of await this.open(10_000)) counts[a.status] = (counts[a.status] ?? 0) + 1;
      return counts;
    },
    async open(limit = 20): Promise<Alert[]> {
      const ids = await store.zrange(keys.alertsOpen(), -Infinity, Infinity, { reverse: true, limit });
      return (await store.getMany<Alert>(ids.map((m) => keys.alert(m.member)))).filter((a): a is Alert => a !== undefined);
    },
    /**
     * The newest alerts, open ones only or all, optionally of one system (any spelling of its name).
     * Reads one index page: the open set or the system's own index, never every alert.
     */
    async list(options: { scope: 'open' | 'all'; system?: string; limit?: number }): Promise<Alert[]> {
      const limit = options.limit ?? 20;
      const index = options.system ? keys.alertsBySystem(systemKey(options.system)) : options.scope === 'open' ? keys.alertsOpen() : keys.alertsAll();
      const out: Alert[] = [];
      // A system's index holds its resolved alerts too: page through it until enough open ones are found.
      for (let offset = 0; out.length < limit; offset += 100) {
        const page = await store.zrange(index, -Infinity, Infinity, { reverse: true, limit: 100, offset });
        if (!page.length) break;
        const rows = (await store.getMany<Alert>(page.map((m) => keys.alert(m.member)))).filter((a): a is Alert => a !== undefined);
        out.push(...rows.filter((a) => options.scope === 'all' || a.status !== 'resolved'));
        if (!options.system && options.scope === 'open') break;
      }
      return out.slice(0, limit);
    },
  };
}
export type Alerts = ReturnType<typeof createAlerts>;
