import type { StateStore } from '../core/store.js';

/** Who has priority over background work: the platform requests being acknowledged (src/core/ack-gate.ts). */
export interface Priority {
  readonly busy: boolean;
  idle(maxWaitMs: number): Promise<void>;
}

/** Longest a store call of background work waits for acks in flight (a steady stream never starves it). */
const MAX_DEFER_MS = 50;

/**
 * A view of a store for background work (processing commands after their ack, pushes, timers)
 * that lets the event loop breathe: once the work has run for `sliceMs` without a break, the next
 * store call first waits for a turn of the event loop (setImmediate), so requests that arrived in
 * the meantime — acks, which must leave within milliseconds — are read and answered before the
 * work goes on. With a synchronous SQLite driver, a command would otherwise run from start to end
 * in one piece while acks queue behind it.
 *
 * With `priority`, a store call made while a platform request is being answered waits until it
 * has been (up to 50 ms): an ack that arrived in the middle of a command is not interleaved with
 * the rest of that command, it finishes first.
 */
export function yieldingStore(store: StateStore, sliceMs = 0.5, priority?: Priority): StateStore {
  let sliceStart = performance.now();
  const pause = () =>
    new Promise<void>((resolve) =>
      setImmediate(() => {
        sliceStart = performance.now();
        resolve();
      }),
    );
  const defer = async () => {
    await priority!.idle(MAX_DEFER_MS);
    sliceStart = performance.now();
  };
  const wrapped = {} as Record<string, unknown>;
  for (const name of Object.keys(store) as Array<keyof StateStore>) {
    const member = store[name];
    if (typeof member !== 'function') {
      wrapped[name] = member;
      continue;
    }
    const fn = member as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      if (priority?.busy) await defer();
      else if (performance.now() - sliceStart > sliceMs) await pause();
      return fn(...args);
    };
  }
  return wrapped as unknown as StateStore;
}
