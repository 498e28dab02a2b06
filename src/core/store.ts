/**
 * The state port. Implemented in src/state (Keyv on SQLite, PostgreSQL or Redis, plus atomic operations).
 */
/** One member of a sorted index. */
export interface ScoredMember {
  member: string;
  score: number;
}

export interface RangeOptions {
  /** Highest scores first. */
  reverse?: boolean;
  limit?: number;
  offset?: number;
}

/** How long an effect key is remembered: longer than any platform redelivers (Feishu: ~7 h). */
export const EFFECT_TTL_MS = 48 * 3600_000;

/** A delivery accepted but not yet processed. */
export interface InboxEntry {
  id: string;
  event: unknown;
  receivedAt: number;
}

/**
 * One write of a `batch`. `set` stores a JSON value (as `set` does, optional expiry in ms);
 * `hincr` adds to several fields of a hash; `release` frees a claim held by `owner`.
 */
export type Write =
  | { op: 'set'; key: string; value: unknown; ttlMs?: number }
  | { op: 'delete'; key: string }
  | { op: 'zadd'; key: string; member: string; score: number; onlyNew?: boolean }
  | { op: 'zrem'; key: string; member: string }
  | { op: 'hincr'; key: string; by: Record<string, number> }
  | { op: 'release'; key: string; owner: string };

export interface BatchOptions {
  /** Apply only if this key is not claimed yet, and claim it (an effect, an idempotency key). */
  once?: string;
  /**
   * Apply only if the JSON value at `key` still has revision `rev` (its `rev` field; absent
   * counts as 0), else throw StaleRevisionError: optimistic concurrency for read-modify-write.
   */
  expect?: { key: string; rev: number };
  /** How long the `once` claim lasts (default EFFECT_TTL_MS). */
  onceTtlMs?: number;
  /** Writes applied first, whether or not `once` lets the others through (a card's latest content). */
  always?: Write[];
}

/** A batch's `expect` failed: the value was changed since it was read. Read it again and retry. */
export class StaleRevisionError extends Error {
  constructor(readonly key: string) {
    super(`${key} was changed by someone else`);
    this.name = 'StaleRevisionError';
  }
}

export interface StateStore {
  readonly kind: 'sqlite' | 'redis' | 'postgres';
  get<T>(key: string): Promise<T | undefined>;
  /** Values in the order of `keys`; missing ones are `undefined`. Batched: one round trip per ~500 keys. */
  getMany<T>(keys: string[]): Promise<Array<T | undefined>>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomic increment; returns the new value. */
  incr(key: string, by?: number): Promise<number>;
  /** Reads a counter without changing it (0 when absent). */
  counter(key: string): Promise<number>;
  /**
   * Atomic set-if-absent with expiry (Redis `SET NX PX`): true when this caller now holds `key`.
   * An expired claim can be taken again.
   */
  claim(key: string, ttlMs: number, owner?: string): Promise<boolean>;
  /**
   * Atomic increment of the counter `seq` (ids such as SUP-<n>). With `effect`, the first call for
   * that effect key takes the next number and every later call returns the same one (remembered
   * 48 h): an id allocated by a delivery stays that delivery's id however often it is processed.
   */
  nextId(seq: string, effect?: string): Promise<number>;
  /**
   * The inbox of accepted deliveries, written on the ack path in one atomic step (claim and event
   * together): true when `entry.id` is new (not seen within `dedupeTtlMs`), and then the event is
   * stored as pending; false, with nothing written, for a repeat. A failure part-way writes
   * nothing, so the platform's retry is taken as new.
   */
  inboxAdd(entry: InboxEntry, dedupeTtlMs: number): Promise<boolean>;
  /** The event has been processed: no longer pending (its id is still remembered for dedupe). */
  inboxRemove(id: string): Promise<void>;
  /** Pending events, oldest first. */
  inboxPending(limit: number): Promise<InboxEntry[]>;
  /** Releases a claim only when `owner` still holds it. */
  release(key: string, owner?: string): Promise<void>;
  /** Sorted index: add or move `member` to `score`; with `onlyNew`, a member already there keeps its score (Redis `ZADD NX`). */
  zadd(key: string, member: string, score: number, options?: { onlyNew?: boolean }): Promise<void>;
  zrem(key: string, member: string): Promise<void>;
  zscore(key: string, member: string): Promise<number | undefined>;
  /** Members with min ≤ score ≤ max. */
  zrange(key: string, min: number, max: number, options?: RangeOptions): Promise<ScoredMember[]>;
  zcard(key: string): Promise<number>;
  /** Atomic add to a numeric field of a hash (aggregates kept on write). */
  hincr(key: string, field: string, by?: number): Promise<number>;
  /**
   * Atomic add to several fields of a hash at once. With `effect`, applied only the first time
   * that effect key is seen (48 h): a re-processed delivery does not count twice.
   */
  hincrMany(key: string, by: Record<string, number>, effect?: string): Promise<void>;
  hgetall(key: string): Promise<Record<string, number>>;
  /**
   * Applies `writes` in order, in one round trip and as one unit (a SQLite transaction; one Redis
   * script; one PostgreSQL function call): what belongs together — an entity, its indexes, its aggregates, its audit entry — is
   * written together. With `once`, nothing is written when that key is already claimed; resolves
   * whether the writes were applied.
   */
  batch(writes: Write[], options?: BatchOptions): Promise<boolean>;
  /**
   * Deletes what has expired (claims, remembered deliveries, values past their TTL), at most
   * `limit` rows of each kind; returns how many went. Redis expires keys itself (0).
   */
  purgeExpired(limit?: number): Promise<number>;
  /** Raises when the database cannot be reached (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

