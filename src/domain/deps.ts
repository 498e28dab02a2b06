import type { AppConfig } from '../config.js';
import type { Logger } from '../core/log.js';
import { keys } from '../core/keys.js';
import type { StateStore, Write } from '../core/store.js';

/** What every domain service is built from. */
export interface ServiceDeps {
  store: StateStore;
  config: Pick<AppConfig, 'sla' | 'rpoHours' | 'timezone' | 'locale' | 'publicUrl' | 'admins' | 'causes'>;
  log: Logger;
  now: () => number;
}

const RETRY_MS = 5;
const LOCK_LEASE_MS = 30_000;

/** A held store lock: `release()` frees it, or `releaseWrite` frees it inside the batch that ends the work. */
export interface HeldLock {
  release(): Promise<void>;
  readonly releaseWrite: Write;
}

/**
 * Takes a store lock (atomic claim), so read-modify-write of one entity never loses an update,
 * across processes too. The lease (30 s) outlives any sane holder; waiting is bounded by `waitMs`.
 */
export async function acquireLock(store: StateStore, name: string, waitMs = 10_000): Promise<HeldLock> {
  const owner = `${process.pid}:${Math.random().toString(36).slice(2)}`;
  const key = keys.lock(name);
  const deadline = Date.now() + waitMs;
  let delay = RETRY_MS;
  while (!(await store.claim(key, LOCK_LEASE_MS, owner))) {
    if (Date.now() > deadline) throw new Error(`lock ${name} not acquired within ${waitMs} ms`);
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 100);
  }
  return { release: () => store.release(key, owner), releaseWrite: { op: 'release', key, owner } };
}

/** Runs `fn` holding the store lock `name` (see acquireLock). */
export async function withLock<T>(store: StateStore, name: string, fn: () => Promise<T>, waitMs = 10_000): Promise<T> {
  const lock = await acquireLock(store, name, waitMs);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** UTC day bucket `YYYY-MM-DD` of an epoch time (aggregates are kept per day). */
export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Duration histogram buckets: ~7 % wide, so percentiles from them are within a few percent. */
const BUCKET_BASE = 1.07;
export function bucketOf(ms: number): number {
  const s = Math.max(1, ms / 1000);
  return Math.ceil(Math.log(s) / Math.log(BUCKET_BASE));
}
export function bucketValueMs(bucket: number): number {
  return Math.pow(BUCKET_BASE, bucket) * 1000;
}

/** Percentile (0–1) from a `{bucket: count}` histogram; undefined when empty. */
export function percentileFromHistogram(hist: Map<number, number>, p: number): number | undefined {
  let total = 0;
  for (const n of hist.values()) total += n;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const b of [...hist.keys()].sort((a, z) => a - z)) {
    seen += hist.get(b)!;
    if (seen >= rank) return bucketValueMs(b);
  }
  return undefined;
}
