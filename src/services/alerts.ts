import { AppError } from '../core/errors.js';
import { keys } from '../core/keys.js';
import type { AuditLog } from './audit.js';
import { dayOf, withLock, type ServiceDeps } from './deps.js';

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
}

export interface AlertHooks {
  changed(alert: Alert, change: 'fired' | 'repeated' | 'acknowledged' | 'resolved' | 'escalated' | 'linked', by: string): Promise<void>;
}

/** Monitoring alerts: dedupe by key, ack / escalate / resolve, aggregates for the digest. */
export function createAlerts(deps: ServiceDeps, audit: AuditLog, hooks: AlertHooks) {
  const { store, now } = deps;
  const agg = (field: string) => store.hincr(keys.aggDay(dayOf(now())), field);

  async function load(id: string): Promise<Alert> {
    const a = await store.get<Alert>(keys.alert(id));
    if (!a) throw new AppError('not_found', 'error.alert_not_found', { id });
    return a;
  }

  async function mutate(id: string, by: string, change: Parameters<AlertHooks['changed']>[1], fn: (a: Alert) => Promise<void> | void) {
    const alert = await withLock(store, `alert:${id}`, async () => {
      const a = await load(id);
      const before = a.status;
      await fn(a);
      await store.set(keys.alert(id), a);
      await audit.record(by, `alert.${change}`, id, before, a.status);
      return a;
    });
    await hooks.changed(alert, change, by);
    return alert;
  }

  return {
    get: load,
    /** Records a firing or resolved report. Repeats of an open alert update it instead of opening another. */
    async ingest(input: AlertInput, by = `system:${input.source}`): Promise<{ alert: Alert; created: boolean }> {
      return withLock(store, `alert-dedup:${input.dedupKey}`, async () => {
        const openId = await store.get<string>(keys.alertByDedup(input.dedupKey));
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
          }
          return { alert, created: false };
        }
        if (input.status === 'resolved') throw new AppError('not_found', 'error.alert_not_firing', { key: input.dedupKey });
        const id = `ALR-${await store.incr(keys.seq('ALR'))}`;
        const at = now();
        const { status: _s, ...rest } = input;
        const alert: Alert = { ...rest, id, status: 'firing', firstAt: at, lastAt: at, count: 1, escalations: 0 };
        await store.set(keys.alert(id), alert);
        await store.set(keys.alertByDedup(input.dedupKey), id);
        await store.zadd(keys.alertsOpen(), id, at);
        await store.zadd(keys.alertsAll(), id, at);
        await agg('alerts:fired');
        await agg(`alerts:rule:${input.title}`);
        await audit.record(by, 'alert.fired', id, undefined, { dedupKey: input.dedupKey });
        await hooks.changed(alert, 'fired', by);
        return { alert, created: true };
      });
    },
    async ack(id: string, by: string): Promise<Alert> {
      return mutate(id, by, 'acknowledged', async (a) => {
        if (a.status === 'resolved') throw new AppError('conflict', 'error.alert_resolved', { id });
        if (a.ackedAt) throw new AppError('conflict', 'error.alert_already_acked', { id });
        a.status = 'acknowledged';
        a.ackedAt = now();
        a.ackedBy = by;
        await agg('alerts:acked');
      });
    },
    async resolve(id: string, by: string): Promise<Alert> {
      const alert = await mutate(id, by, 'resolved', (a) => {
        if (a.status === 'resolved') throw new AppError('conflict', 'error.alert_resolved', { id });
        a.status = 'resolved';
        a.resolvedAt = now();
        a.resolvedBy = by;
      });
      await store.delete(keys.alertByDedup(alert.dedupKey));
      await store.zrem(keys.alertsOpen(), id);
      return alert;
    },
    async escalate(id: string, by: string): Promise<Alert> {
      return mutate(id, by, 'escalated', (a) => {
        if (a.status === 'resolved') throw new AppError('conflict', 'error.alert_resolved', { id });
        a.escalations += 1;
      });
    },
    async linkTicket(id: string, ticketId: string, by: string): Promise<Alert> {
      return mutate(id, by, 'linked', (a) => {
        a.ticketId = ticketId;
      });
    },
    async open(limit = 20): Promise<Alert[]> {
      const ids = await store.zrange(keys.alertsOpen(), -Infinity, Infinity, { reverse: true, limit });
      return (await store.getMany<Alert>(ids.map((m) => keys.alert(m.member)))).filter((a): a is Alert => a !== undefined);
    },
  };
}
export type Alerts = ReturnType<typeof createAlerts>;
