import { AsyncLocalStorage } from 'node:async_hooks';
import { outsideCorrelation } from './correlation.js';
import { keys } from './keys.js';

/**
 * Effects keyed by delivery. Processing is at least once (a delivery resumed after a crash runs
 * again), so whatever a delivery creates — a ticket id, an aggregate count, a push, an audit
 * entry — is created under a key derived from the delivery id, and a second run finds it instead
 * of making another.
 *
 * The delivery being processed travels in AsyncLocalStorage rather than as a parameter: it is
 * needed deep in every service that creates something, and none of them should care whether
 * they run for a chat command, a hook or a timer (outside a delivery `effectKey` is undefined and
 * the services behave as before).
 */
interface Scope {
  delivery: string;
  /** How many effects of each kind this run has asked for: the n-th of a kind gets the same key every run. */
  counts: Map<string, number>;
}

const current = new AsyncLocalStorage<Scope>();

/** Runs `fn` as the processing of `deliveryId` (a stable id: platform, kind and the platform's delivery id). */
export function forDelivery<T>(deliveryId: string, fn: () => Promise<T>): Promise<T> {
  return current.run({ delivery: deliveryId, counts: new Map() }, fn);
}

/**
 * `effect:<delivery>:<kind>:<n>` for the n-th effect of `kind` the current delivery makes, the
 * same on every run of that delivery as long as the command takes the same path; `undefined`
 * outside a delivery.
 */
export function effectKey(kind: string): string | undefined {
  const scope = current.getStore();
  if (!scope) return undefined;
  const n = (scope.counts.get(kind) ?? 0) + 1;
  scope.counts.set(kind, n);
  return keys.effect(scope.delivery, kind, n);
}

/** The delivery being processed (its inbox id), if any. */
export function currentDelivery(): string | undefined {
  return current.getStore()?.delivery;
}

/**
 * Runs `fn` outside any delivery: for background work a delivery merely starts (the outbox's
 * sender), which must not take the delivery's effect keys nor be counted as its work.
 */
export function outsideDelivery<T>(fn: () => T): T {
  // Nor its log fields: the sender logs each push with the ids stored on it.
  return current.exit(() => outsideCorrelation(fn));
}
