import { ACK_GRACE_MS } from './ack-gate.js';
import type { Logger } from './log.js';

/**
 * Work that runs after the platform has its ack. Acks come first: a job starts on a later turn of the
 * event loop, at most `concurrency` at a time, and not while a delivery is being acknowledged
 * (`hold()`/`release()` around each ack) nor within `graceMs` of its answer (see ACK_GRACE_MS) —
 * unless it has waited `maxHoldMs`, so a steady stream of requests delays the work a little but never
 * starves it.
 */
export interface WorkQueue {
  push(name: string, job: () => Promise<void>): void;
  /** An ack is in progress: new jobs wait for it (up to maxHoldMs). */
  hold(): void;
  release(): void;
  /** Resolves when nothing is queued or running (or after `timeoutMs`). */
  drain(timeoutMs?: number): Promise<void>;
  /**
   * Shutdown: starts nothing more and waits for the running jobs. Queued jobs are dropped here:
   * their events stay in the core's durable inbox, which resumes them after a restart.
   */
  stop(timeoutMs?: number): Promise<number>;
  readonly size: number;
}

export interface WorkQueueOptions {
  concurrency: number;
  maxHoldMs?: number;
  /** After the last ack is out, new jobs wait this long (default ACK_GRACE_MS). */
  graceMs?: number;
  now?: () => number;
}

export function createWorkQueue(options: WorkQueueOptions, log: Logger): WorkQueue {
  const { concurrency } = options;
  const maxHoldMs = options.maxHoldMs ?? 100;
  const graceMs = options.graceMs ?? ACK_GRACE_MS;
  let lastRelease = -Infinity;
  const now = options.now ?? (() => performance.now());
  const queue: Array<{ name: string; job: () => Promise<void>; at: number }> = [];
  let active = 0;
  let holds = 0;
  let stopped = false;
  let scheduled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let idle: Array<() => void> = [];

  const settle = () => {
    if (active === 0 && queue.length === 0) {
      const waiting = idle;
      idle = [];
      for (const w of waiting) w();
    }
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(pump);
  };

  function pump(): void {
    scheduled = false;
    while (!stopped && active < concurrency && queue.length) {
      const t = now();
      const waited = t - queue[0]!.at;
      const inGrace = holds === 0 && t - lastRelease < graceMs;
      if ((holds > 0 || inGrace) && waited < maxHoldMs) {
        // Try again when the grace after the acks is over, or when the oldest job has waited long enough.
        const retryIn = inGrace ? Math.min(graceMs - (t - lastRelease), maxHoldMs - waited) : maxHoldMs - waited;
        // A timer set while the ack was in flight waits for maxHoldMs: the grace ends sooner.
        clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          schedule();
        }, retryIn + 1);
        return;
      }
      const next = queue.shift()!;
      active++;
      next
        .job()
        .catch((e: unknown) => log.error('work after ack failed', { job: next.name, error: e }))
        .finally(() => {
          active--;
          schedule();
          settle();
        });
    }
  }

  return {
    push(name, job) {
      queue.push({ name, job, at: now() });
      schedule();
    },
    hold() {
      holds++;
    },
    release() {
      holds = Math.max(0, holds - 1);
      if (holds > 0) return;
      lastRelease = now();
      if (queue.length) schedule();
    },
    drain(timeoutMs = 10_000) {
      if (active === 0 && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        idle.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
    async stop(timeoutMs = 10_000) {
      stopped = true;
      const dropped = queue.splice(0).length;
      clearTimeout(timer);
      await this.drain(timeoutMs);
      return dropped;
    },
    get size() {
      return active + queue.length;
    },
  };
}
