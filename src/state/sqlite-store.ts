import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import Keyv, { type KeyvStoreAdapter, type StoredData } from 'keyv';
import { serialize } from './store.js';
import { EFFECT_TTL_MS, StaleRevisionError, type BatchOptions, type RangeOptions, type ScoredMember, type StateStore, type Write } from '../core/store.js';

type Row = Record<string, unknown>;

/** Largest size the WAL file is left at after a checkpoint (SQLite's journal_size_limit). */
const WAL_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * SQLite on disk through better-sqlite3: values go through Keyv (with the storage adapter below),
 * atomic structures are tables of our own. Every operation is one autocommitted statement, or
 * one short transaction where it must do two things at once (an effect's claim with its write).
 *
 * Why synchronous: a statement takes microseconds, far less than a hop through the libuv thread
 * pool that an asynchronous driver pays per statement, and an operation finishes inside the turn
 * that asked for it, so an atomic step needs no lock of our own.
 *
 * Durability: WAL with synchronous=NORMAL and SQLite's own autocheckpoint (the WAL's size bounded,
 * see below). A committed statement survives a crash of this process; only an OS crash or power
 * loss can lose the last commits.
 */
export async function createSqliteStore(url: string): Promise<StateStore> {
  const path = url.replace(/^sqlite:\/\//, '') || ':memory:';
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // The WAL stays bounded under sustained writes: SQLite checkpoints every 1,000 pages (~4 MB) on
  // its own, and a checkpoint that empties the WAL truncates the file to 16 MiB at most (without
  // a limit the file keeps its largest size ever); the hourly purge also checkpoints with TRUNCATE.
  db.pragma('wal_autocheckpoint = 1000');
  db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
  db.exec(`
    CREATE TABLE IF NOT EXISTS keyv (key VARCHAR(255) PRIMARY KEY, value TEXT);
    CREATE TABLE IF NOT EXISTS ac_counter (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS ac_claim (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS ac_zset (key TEXT NOT NULL, member TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (key, member));
    CREATE INDEX IF NOT EXISTS ac_zset_score ON ac_zset (key, score);
    CREATE TABLE IF NOT EXISTS ac_hash (key TEXT NOT NULL, field TEXT NOT NULL, n REAL NOT NULL, PRIMARY KEY (key, field));
    CREATE TABLE IF NOT EXISTS ac_delivery (id TEXT PRIMARY KEY, expires INTEGER NOT NULL, received REAL NOT NULL, event TEXT) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ac_delivery_pending ON ac_delivery (received) WHERE event IS NOT NULL;
    CREATE INDEX IF NOT EXISTS ac_delivery_expires ON ac_delivery (expires) WHERE event IS NULL;
    CREATE INDEX IF NOT EXISTS ac_claim_expires ON ac_claim (expires);
  `);

  // Each statement is prepared once.
  const prepared = new Map<string, Database.Statement>();
  const stmt = (sql: string) => {
    let s = prepared.get(sql);
    if (!s) {
      s = db.prepare(sql);
      prepared.set(sql, s);
    }
    return s;
  };
  const all = (sql: string, ...params: unknown[]) => stmt(sql).all(...params) as Row[];
  const takeClaim = (key: string, ttlMs: number, owner: string): boolean => {
    const now = Date.now();
    return stmt(CLAIM).all(key, owner, now + ttlMs, now).length === 1;
  };
  const incr = (key: string, by: number) => Number(all(INCR, key, by)[0]?.n);

  const nextId = db.transaction((seq: string, effect: string | undefined): number => {
    if (!effect) return incr(seq, 1);
    const known = all('SELECT owner FROM ac_claim WHERE key = ? AND expires > ?', effect, Date.now());
    if (known.length) return Number(known[0]!.owner);
    const n = incr(seq, 1);
    stmt(CLAIM_ANY).run(effect, String(n), Date.now() + EFFECT_TTL_MS);
    return n;
  });
  const hincrMany = db.transaction((key: string, by: Record<string, number>, effect: string | undefined) => {
    if (effect && !takeClaim(effect, EFFECT_TTL_MS, '1')) return;
    for (const [field, n] of Object.entries(by)) stmt(HINCR).run(key, field, n);
  });

  /** A batch's writes with their Keyv values already serialized (Keyv's serializer is async). */
  type Ready = Exclude<Write, { op: 'set' }> | { op: 'set'; key: string; text: string };
  const apply = (w: Ready) => {
    if (w.op === 'set') stmt(KEYV_UPSERT).run(`${NAMESPACE}:${w.key}`, w.text);
    else if (w.op === 'delete') stmt('DELETE FROM keyv WHERE key = ?').run(`${NAMESPACE}:${w.key}`);
    else if (w.op === 'zadd') stmt(w.onlyNew ? ZADD_NX : ZADD).run(w.key, w.member, w.score);
    else if (w.op === 'zrem') stmt('DELETE FROM ac_zset WHERE key = ? AND member = ?').run(w.key, w.member);
    else if (w.op === 'hincr') for (const [field, n] of Object.entries(w.by)) stmt(HINCR).run(w.key, field, n);
    else stmt('DELETE FROM ac_claim WHERE key = ? AND owner = ?').run(w.key, w.owner);
  };
  const applyBatch = db.transaction((writes: Ready[], always: Ready[], options: BatchOptions): boolean => {
    if (options.expect) {
      const row = stmt('SELECT value FROM keyv WHERE key = ?').get(`${NAMESPACE}:${options.expect.key}`) as { value: string } | undefined;
      const rev = row ? Number((JSON.parse(row.value) as { value?: { rev?: number } }).value?.rev ?? 0) : 0;
      if (rev !== options.expect.rev) throw new StaleRevisionError(options.expect.key);
    }
    always.forEach(apply);
    if (options.once && !takeClaim(options.once, options.onceTtlMs ?? EFFECT_TTL_MS, '1')) return false;
    writes.forEach(apply);
    return true;
  });

  const keyv = new Keyv({ store: keyvAdapter(stmt, () => db.close()), namespace: NAMESPACE, throwOnErrors: true });

  return {
    kind: 'sqlite',
    async get<T>(key: string) {
      return (await keyv.get(key)) as T | undefined;
    },
    async getMany<T>(keys: string[]) {
      if (keys.length === 0) return [];
      return (await keyv.get(keys)) as Array<T | undefined>;
    },
    async set(key, value, ttlMs) {
      await keyv.set(key, value, ttlMs);
    },
    async delete(key) {
      await keyv.delete(key);
    },
    async incr(key, by = 1) {
      return incr(key, by);
    },
    async counter(key) {
      const rows = all('SELECT n FROM ac_counter WHERE key = ?', key);
      return rows.length ? Number(rows[0]?.n) : 0;
    },
    async nextId(seq, effect) {
      return nextId(seq, effect);
    },
    async claim(key, ttlMs, owner = '1') {
      return takeClaim(key, ttlMs, owner);
    },
    async inboxAdd(entry, dedupeTtlMs) {
      const now = Date.now();
      return stmt(INBOX_ADD).all(entry.id, now + dedupeTtlMs, entry.receivedAt, JSON.stringify(entry.event), now).length === 1;
    },
    async inboxRemove(id) {
      stmt('UPDATE ac_delivery SET event = NULL WHERE id = ?').run(id);
    },
    async inboxPending(limit) {
      const rows = all('SELECT id, event, received FROM ac_delivery WHERE event IS NOT NULL ORDER BY received LIMIT ?', limit);
      return rows.map((r) => ({ id: String(r.id), event: JSON.parse(String(r.event)) as unknown, receivedAt: Number(r.received) }));
    },
    async release(key, owner = '1') {
      stmt('DELETE FROM ac_claim WHERE key = ? AND owner = ?').run(key, owner);
    },
    async zadd(key, member, score, options) {
      stmt(options?.onlyNew ? ZADD_NX : ZADD).run(key, member, score);
    },
    async zrem(key, member) {
      stmt('DELETE FROM ac_zset WHERE key = ? AND member = ?').run(key, member);
    },
    async zscore(key, member) {
      const rows = all('SELECT score FROM ac_zset WHERE key = ? AND member = ?', key, member);
      return rows.length ? Number(rows[0]?.score) : undefined;
    },
    async zrange(key, min, max, options: RangeOptions = {}) {
      const sql = options.reverse
        ? 'SELECT member, score FROM ac_zset WHERE key = ? AND score >= ? AND score <= ? ORDER BY score DESC, member DESC LIMIT ? OFFSET ?'
        : 'SELECT member, score FROM ac_zset WHERE key = ? AND score >= ? AND score <= ? ORDER BY score ASC, member ASC LIMIT ? OFFSET ?';
      const rows = all(sql, key, toSqlBound(min), toSqlBound(max), options.limit ?? -1, options.offset ?? 0);
      return rows.map((r): ScoredMember => ({ member: String(r.member), score: Number(r.score) }));
    },
    async zcard(key) {
      const rows = all('SELECT COUNT(*) AS c FROM ac_zset WHERE key = ?', key);
      return Number(rows[0]?.c ?? 0);
    },
    async hincr(key, field, by = 1) {
      return Number(all(`${HINCR} RETURNING n`, key, field, by)[0]?.n);
    },
    async hincrMany(key, by, effect) {
      hincrMany(key, by, effect);
    },
    async batch(writes, options = {}) {
      const prepare = async (list: Write[]) => {
        const ready: Ready[] = [];
        for (const w of list) ready.push(w.op === 'set' ? { op: 'set', key: w.key, text: await serialize(keyv, w.value, w.ttlMs) } : w);
        return ready;
      };
      return applyBatch(await prepare(writes), await prepare(options.always ?? []), options);
    },
    async hgetall(key) {
      const rows = all('SELECT field, n FROM ac_hash WHERE key = ?', key);
      const out: Record<string, number> = {};
      for (const r of rows) out[String(r.field)] = Number(r.n);
      return out;
    },
    async purgeExpired(limit = 10_000) {
      const now = Date.now();
      // Processed deliveries past their dedupe window, claims past their lease, Keyv values past
      // their TTL (Keyv only drops those when they are read). Pending deliveries are never purged.
      const deliveries = stmt('DELETE FROM ac_delivery WHERE id IN (SELECT id FROM ac_delivery WHERE event IS NULL AND expires <= ? LIMIT ?)').run(now, limit).changes;
      const claims = stmt('DELETE FROM ac_claim WHERE key IN (SELECT key FROM ac_claim WHERE expires <= ? LIMIT ?)').run(now, limit).changes;
      const values = stmt("DELETE FROM keyv WHERE key IN (SELECT key FROM keyv WHERE json_extract(value, '$.expires') <= ? LIMIT ?)").run(now, limit).changes;
      // What the deletes freed is reused by later writes; the WAL they filled is emptied and cut to nothing.
      db.pragma('wal_checkpoint(TRUNCATE)');
      return deliveries + claims + values;
    },
    async ping() {
      all('SELECT 1');
    },
    async close() {
      await keyv.disconnect();
    },
  };
}

/**
 * Keyv's storage adapter over the `keyv` table (the table and layout of `@keyv/sqlite`, so a
 * database written by it reads the same). Keyv serializes values and keeps their expiry; this
 * stores the strings.
 */
function keyvAdapter(stmt: (sql: string) => Database.Statement, close: () => void): KeyvStoreAdapter {
  const events = new EventEmitter();
  const adapter = {
    opts: { dialect: 'sqlite' },
    namespace: undefined as string | undefined,
    on(event: string, listener: (...args: unknown[]) => void) {
      events.on(event, listener);
      return adapter;
    },
    async get<Value>(key: string) {
      const row = stmt('SELECT value FROM keyv WHERE key = ?').get(key) as { value: string } | undefined;
      return row?.value as StoredData<Value> | undefined;
    },
    async getMany<Value>(keys: string[]) {
      const rows = stmt('SELECT key, value FROM keyv WHERE key IN (SELECT value FROM json_each(?))').all(JSON.stringify(keys)) as Array<{ key: string; value: string }>;
      const byKey = new Map(rows.map((r) => [r.key, r.value]));
      return keys.map((k) => byKey.get(k)) as Array<StoredData<Value | undefined>>;
    },
    async set(key: string, value: string) {
      stmt(KEYV_UPSERT).run(key, value);
    },
    async delete(key: string) {
      return stmt('DELETE FROM keyv WHERE key = ?').run(key).changes > 0;
    },
    async deleteMany(keys: string[]) {
      return stmt('DELETE FROM keyv WHERE key IN (SELECT value FROM json_each(?))').run(JSON.stringify(keys)).changes > 0;
    },
    async has(key: string) {
      return stmt('SELECT 1 FROM keyv WHERE key = ?').get(key) !== undefined;
    },
    async clear() {
      const ns = adapter.namespace;
      stmt('DELETE FROM keyv WHERE key LIKE ?').run(ns ? `${ns}:%` : '%');
    },
    async disconnect() {
      close();
    },
  };
  return adapter as unknown as KeyvStoreAdapter;
}

/**
 * Inbound deliveries: one row per delivery id holds the dedupe claim (`expires`) and, while it is
 * pending, the event, written by one statement. A repeat within the claim changes nothing
 * (RETURNING yields no row).
 */
const INBOX_ADD = `INSERT INTO ac_delivery (id, expires, received, event) VALUES (?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET expires = excluded.expires, received = excluded.received, event = excluded.event
  WHERE ac_delivery.expires <= ?
  RETURNING 1`;

const NAMESPACE = 'aftercare';
const KEYV_UPSERT = 'INSERT INTO keyv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value';
const INCR = 'INSERT INTO ac_counter (key, n) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n RETURNING n';
const HINCR = 'INSERT INTO ac_hash (key, field, n) VALUES (?, ?, ?) ON CONFLICT(key, field) DO UPDATE SET n = n + excluded.n';
const ZADD = 'INSERT INTO ac_zset (key, member, score) VALUES (?, ?, ?) ON CONFLICT(key, member) DO UPDATE SET score = excluded.score';
const ZADD_NX = 'INSERT INTO ac_zset (key, member, score) VALUES (?, ?, ?) ON CONFLICT(key, member) DO NOTHING';
/** Takes a claim that is absent or expired; RETURNING yields a row only when it was taken. */
const CLAIM = `INSERT INTO ac_claim (key, owner, expires) VALUES (?, ?, ?)
  ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires WHERE ac_claim.expires <= ?
  RETURNING owner`;
/** Sets a claim whatever was there (inside a transaction that has just checked it). */
const CLAIM_ANY = 'INSERT INTO ac_claim (key, owner, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires';

function toSqlBound(n: number): number {
  if (n === Infinity) return Number.MAX_VALUE;
  if (n === -Infinity) return -Number.MAX_VALUE;
  return n;
}
