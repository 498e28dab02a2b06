import type { Logger } from './log.js';

/**
 * Work that runs after the platform has its ack. Acks come first: a job starts on a later turn of the
 * event loop, at most `concurrency` at a time, and not while a delivery is being acknowledged
 * (`hold()`/`release()` around each ack) — unless it has waited `maxHoldMs`, so a steady stream of
 * requests delays the work a little but never starves it.
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
  now?: () => number;
}

export function createWorkQueue(options: WorkQueueOptions, log: Logger): WorkQueue {
  const { concurrency } = options;
  const maxHoldMs = options.maxHoldMs ?? 100;
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
      const waited = now() - queue[0]!.at;
      if (holds > 0 && waited < maxHoldMs) {
        // Try again when the acks are out, or when the oldest job has waited long enough.
        if (!timer) {
          timer = setTimeout(() => {
            timer = undefined;
            schedule();
          }, maxHoldMs - waited + 1);
        }
        return;
      }
      const next = queue.shift()!;
      active++;
      next
        .job()
        .catch((e: unknown) => log.error('slack: work after ack failed', { job: next.name, error: e }))
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
      if (holds === 0 && queue.length) schedule();
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
