/**
 * The state port. Implemented in src/state (Keyv on SQLite or Redis, plus atomic operations).
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

/** A delivery accepted but not yet processed. */
export interface InboxEntry {
  id: string;
  event: unknown;
  receivedAt: number;
}

export interface StateStore {
  readonly kind: 'sqlite' | 'redis';
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
   * The inbox of accepted deliveries, written on the ack path: true when `entry.id` is new (not
   * seen within `dedupeTtlMs`), and then the event is stored as pending; false, with nothing
   * written, for a repeat. SQLite keeps the dedupe claim and the event in one row of its own table
   * (one synchronous statement, no turn of the event loop in between); Redis a claim, a value and
   * a sorted index.
   */
  inboxAdd(entry: InboxEntry, dedupeTtlMs: number): Promise<boolean>;
  /** The event has been processed: no longer pending (its id is still remembered for dedupe). */
  inboxRemove(id: string): Promise<void>;
  /** Pending events received at or before `receivedBefore`, oldest first. */
  inboxPending(receivedBefore: number, limit: number): Promise<InboxEntry[]>;
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
  hgetall(key: string): Promise<Record<string, number>>;
  /**
   * Makes every write so far durable before it resolves; raises when they may not be (a commit
   * failed lately). Call it before answering success to anyone: an ack, a reply, a hook's 2xx.
   * Writes are visible to this process at once either way; on SQLite they are committed in groups
   * at the end of each event-loop turn, or here.
   */
  flush(): Promise<void>;
  /** Raises when the database cannot be reached (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

