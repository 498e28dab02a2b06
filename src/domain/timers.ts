import { withCorrelation } from '../core/correlation.js';
import { forDelivery } from '../core/effects.js';
import { keys } from '../core/keys.js';
import type { Write } from '../core/store.js';
import type { ServiceDeps } from './deps.js';

export interface Timer {
  id: string;
  kind: string;
  dueAt: number;
  data: Record<string, string | number>;
}

/** The writes that store a timer (or move it to a new due time), for the batch of the change that sets it. */
function scheduleWrites(timer: Timer): Write[] {
  return [
    { op: 'set', key: keys.timer(timer.id), value: timer },
    { op: 'zadd', key: keys.timersDue(), member: timer.id, score: timer.dueAt },
  ];
}

/** The writes that remove a timer. */
function cancelWrites(id: string): Write[] {
  return [
    { op: 'zrem', key: keys.timersDue(), member: id },
    { op: 'delete', key: keys.timer(id) },
  ];
}

/**
 * Stored due times (SLA escalations). Polled, not held in memory, so a restart or a second replica
 * neither loses nor doubles one: a due timer is leased with an atomic claim, handled as a delivery
 * of its own (its effects keyed by the timer and its due time), then removed.
 */
export function createTimers(deps: ServiceDeps) {
  const { store, now, log } = deps;
  return {
    async schedule(timer: Timer): Promise<void> {
      await store.batch(scheduleWrites(timer));
    },
    async cancel(id: string): Promise<void> {
      await store.batch(cancelWrites(id));
    },
    scheduleWrites,
    cancelWrites,
    async get(id: string): Promise<Timer | undefined> {
      return store.get<Timer>(keys.timer(id));
    },
    /** Runs every due timer once across all replicas. Returns how many ran. */
    async poll(handle: (timer: Timer) => Promise<void>, leaseMs = 60_000): Promise<number> {
      const due = await store.zrange(keys.timersDue(), -Infinity, now(), { limit: 100 });
      let ran = 0;
      for (const { member, score } of due) {
        const lease = keys.timerLease(`${member}:${score}`);
        if (!(await store.claim(lease, leaseMs))) continue;
        const timer = await store.get<Timer>(keys.timer(member));
        try {
          if (timer && timer.dueAt === score) {
            // A timer slot is a delivery of its own: if this process dies before removing it, the
            // replica that runs it again after the lease finds what the first run did.
            const slot = `timer:${member}:${score}`;
            await withCorrelation(slot, () => forDelivery(slot, () => handle(timer)));
            ran++;
          }
          // Remove only if not rescheduled meanwhile.
          if ((await store.zscore(keys.timersDue(), member)) === score) {
            await store.zrem(keys.timersDue(), member);
            await store.delete(keys.timer(member));
          }
        } catch (e) {
          // The lease guards this run only: freed, the next poll (here or on a replica) runs the
          // slot again, and finds what this run did (effects are keyed by the slot).
          await store.release(lease).catch((released: unknown) => log.error('timer lease not released; it runs again when the lease ends', { timer: member, error: released }));
          log.error('timer failed; it will run again', { timer: member, error: e });
        }
      }
      return ran;
    },
  };
}
export type Timers = ReturnType<typeof createTimers>;
