import { effectKey } from '../../core/effects.js';
import { count, emptyTally, tallyWrites, type DayField, type Tally } from '../digest/figures.js';
import { AppError } from '../../core/errors.js';
import { keys } from '../../core/keys.js';
import type { AuditLog } from '../audit/service.js';
import { dayOf, withLock, type ServiceDeps } from '../deps.js';

export type AlertSeverity = 'critical' | 'warning' | 'info';

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
}



export interface Alert extends Omit<AlertInput, 'status'> {
  id: string;
  status: 'firing' | 'acknowledged' | 'resolved';
  firstAt: number;
  lastAt: number;
  /** How many times the source reported it firing. */
  count: number;
  ackedAt?: number;
  ackedBy?: string;
  resolvedAt?: number;
  resolvedBy?: string;
  escalations: number;
  ticketId?: string;
  /** Grouped alerts: members currently firing. */
  firing?: number;
  /** The last deliveries' effect keys that changed it (see src/core/effects.ts): a re-run finds its own and changes nothing. */
  effects?: string[];
}

/** How many effect keys an alert remembers: more than changes a delivery could be re-run across. */
const MAX_EFFECTS = 20;

/** What happened to an alert. */
export type AlertChange = 'fired' | 'repeated' | 'acknowledged' | 'resolved' | 'escalated' | 'linked';

export interface AlertHooks {
  changed(alert: Alert, change: AlertChange, by: string): Promise<void>;
  /** The alert's response timer (the escalation policy's): started when it fires, stopped when it is acknowledged or resolved. */
  respondTimer: { start(alert: Alert): Promise<void>; stop(id: string): Promise<void> };
}

/** Monitoring alerts: dedupe by key, ack / escalate / resolve, aggregates for the digest. */
export function createAlerts(deps: ServiceDeps, audit: AuditLog, hooks: AlertHooks) {
  const { store, now } = deps;
  const agg = (field: DayField) => store.hincr(keys.aggDay(dayOf(now())), field);
  const stopTimer = (id: string) => hooks.respondTimer.stop(id);

  /** A report about one member of an open grouped alert. Repeats of a known state change nothing. */
  async function ingestMember(openId: string, input: AlertInput, by: string): Promise<{ alert: Alert; created: boolean }> {
    const members = (await store.get<Record<string, 'firing' | 'resolved'>>(keys.alertMembers(openId))) ?? {};
    const before = members[input.dedupKey];
    const firing = input.status === 'firing';
    if ((firing && before === 'firing') || (!firing && before !== 'firing')) return { alert: await load(openId), created: false };
    members[input.dedupKey] = input.status;
    await store.set(keys.alertMembers(openId), members);
    const stillFiring = Object.values(members).filter((m) => m === 'firing').length;
    const resolveAll = !firing && stillFiring === 0;
    const alert = await mutate(openId, by, resolveAll ? 'resolved' : 'repeated', (a) => {
      a.lastAt = now();
      a.firing = stillFiring;
      if (firing) a.count += 1;
      if (resolveAll) {
        a.status = 'resolved';
        a.resolvedAt = now();
        a.resolvedBy = by;
      }
    });
    if (resolveAll) {
      await store.delete(keys.alertByDedup(`grp:${input.group}`));
      await store.zrem(keys.alertsOpen(), openId);
      await stopTimer(openId);
    }
    return { alert, created: false };
  }

  async function load(id: string): Promise<Alert> {
    const a = await store.get<Alert>(keys.alert(id));
    if (!a) throw new AppError('not_found', 'error.alert_not_found', { id });
    return a;
  }

  /**
   * Loads, applies `fn` under the alert's lock, stores the alert with its digest figures and audit
   * entry in one batch, then notifies. Idempotent per delivery: the alert remembers the effect keys
   * of the last changes, and a re-run that finds its own has nothing to apply.
   */
  async function mutate(id: string, by: string, change: AlertChange, fn: (a: Alert, day: Tally['day']) => Promise<void> | void) {
    const effect = effectKey('alert-change');
    const alert = await withLock(store, `alert:${id}`, async () => {
      const a = await load(id);
      if (effect && a.effects?.includes(effect)) return a;
      const before = a.status;
      const tally = emptyTally();
      await fn(a, tally.day);
      if (effect) a.effects = [...(a.effects ?? []), effect].slice(-MAX_EFFECTS);
      await store.batch([{ op: 'set', key: keys.alert(id), value: a }, ...tallyWrites(tally, now()), ...audit.entry(by, `alert.${change}`, id, before, a.status)]);
      return a;
    });
    await hooks.changed(alert, change, by);
    return alert;
  }

  return {
    get: load,
    async find(id: string): Promise<Alert | undefined> {
      return store.get<Alert>(keys.alert(id));
    },
    /** Records a firing or resolved report. Repeats of an open alert update it instead of opening another. */
    async ingest(input: AlertInput, by = `system:${input.source}`): Promise<{ alert: Alert; created: boolean }> {
      const openKey = input.group ? `grp:${input.group}` : input.dedupKey;
      return withLock(store, `alert-dedup:${openKey}`, async () => {
        const openId = await store.get<string>(keys.alertByDedup(openKey));
        if (openId && input.group) return ingestMember(openId, input, by);
        if (openId) {
          const alert = await mutate(openId, by, input.status === 'resolved' ? 'resolved' : 'repeated', (a) => {
            a.lastAt = now();
            if (input.status === 'resolved') {
              a.status = 'resolved';
              a.resolvedAt = now();
              a.resolvedBy = by;
            } else a.count += 1;
          });
          if (input.status === 'resolved') {
            await store.delete(keys.alertByDedup(input.dedupKey));
            await store.zrem(keys.alertsOpen(), openId);
            await stopTimer(openId);
          }
          return { alert, created: false };
        }
        if (input.status === 'resolved') throw new AppError('not_found', 'error.alert_not_firing', { key: input.dedupKey });
        const id = `ALR-${await store.nextId(keys.seq('ALR'), effectKey('alert'))}`;
        const at = now();
        const { status: _s, ...rest } = input;
        const alert: Alert = { ...rest, id, status: 'firing', firstAt: at, lastAt: at, count: 1, escalations: 0, ...(input.group ? { firing: 1 } : {}) };
        await store.set(keys.alert(id), alert);
        if (input.group) await store.set(keys.alertMembers(id), { [input.dedupKey]: 'firing' });
        await store.set(keys.alertByDedup(openKey), id);
        await store.zadd(keys.alertsOpen(), id, at);
        await store.zadd(keys.alertsAll(), id, at);
        await agg('alerts:fired');
        await agg(`alerts:rule:${input.title}`);
        await audit.record(by, 'alert.fired', id, undefined, { dedupKey: input.dedupKey, group: input.group });
        await hooks.respondTimer.start(alert);
        await hooks.changed(alert, 'fired', by);
        return { alert, created: true };
      });
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
      const alert = await mutate(id, by, 'resolved', (a) => {
        if (a.status === 'resolved') throw new AppError('conflict', 'error.alert_resolved', { id });
        a.status = 'resolved';
        a.resolvedAt = now();
        a.resolvedBy = by;
      });
      await store.delete(keys.alertByDedup(alert.group ? `grp:${alert.group}` : alert.dedupKey));
      await store.zrem(keys.alertsOpen(), id);
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
  };
}
export type Alerts = ReturnType<typeof createAlerts>;
