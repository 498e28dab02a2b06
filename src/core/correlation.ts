import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The unit of work a log line belongs to: the delivery (a platform's event, a hook call, a timer
 * slot) and a correlation id made for this run of it. Both travel in AsyncLocalStorage, so every
 * line logged while the work runs carries them (the logger's mixin), and a push queued by the work
 * stores them so its "push sent" line, written later by the outbox's sender, carries them too.
 * The correlation id is also the one an unexpected error shows the user.
 */
export interface Correlation {
  /** The delivery's id: the inbox id, a hook's Idempotency-Key, a timer slot; absent when there is none. */
  deliveryId?: string;
  /** 12 hex digits, new for each run of the work. */
  correlationId: string;
}

const current = new AsyncLocalStorage<Correlation>();

export function newCorrelationId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 12);
}

/** Runs `fn` as one unit of work of `deliveryId`, under a new correlation id (or `correlationId`). */
export function withCorrelation<T>(deliveryId: string | undefined, fn: () => T, correlationId = newCorrelationId()): T {
  return current.run({ deliveryId, correlationId }, fn);
}

/** The unit of work running now, if any. */
export function currentCorrelation(): Correlation | undefined {
  return current.getStore();
}

/** Runs `fn` outside any unit of work (background work that one merely started). */
export function outsideCorrelation<T>(fn: () => T): T {
  return current.exit(fn);
}
