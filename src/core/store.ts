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
   * The ack path's write in one step: `claim(claim.key, claim.ttlMs)` and, only when that claim is
   * new, `set(item.key, item.value)` and `zadd(index.key, index.member, index.score)`. False, with
   * nothing written, for a claim already held. SQLite runs the three as one synchronous batch (no
   * turn of the event loop in between for other work to slip into); Redis in turn.
   */
  claimAndQueue(
    claim: { key: string; ttlMs: number },
    item: { key: string; value: unknown },
    index: { key: string; member: string; score: number },
  ): Promise<boolean>;
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

