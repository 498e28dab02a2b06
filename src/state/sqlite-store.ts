import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import Keyv, { type KeyvStoreAdapter, type StoredData } from 'keyv';
import type { RangeOptions, ScoredMember, StateStore } from '../core/store.js';
import { deserializeValue, serializeValue } from './keyv-json.js';
import { startCheckpointer } from './sqlite-checkpointer.js';

type Row = Record<string, unknown>;

/**
 * SQLite on disk through better-sqlite3: values go through Keyv (with the storage adapter below),
 * atomic structures are tables of our own, each operation one SQL statement (atomic by itself).
 *
 * Why synchronous: a statement here takes microseconds, far less than a hop through the libuv
 * thread pool that an asynchronous driver pays per statement. The ack path (claim + inbox) then
 * finishes inside the request's own turn of the event loop instead of waiting for several turns
 * behind the work of commands being processed; `bench/slack-ack.ts` measured the difference.
 *
 * Group commit: the first write of an event-loop turn opens a transaction, which commits when the
 * turn ends (setImmediate) or when someone calls `flush()` — the ack path, a reply, a hook's 2xx
 * all do before answering. One commit then covers a command's few dozen writes (and those of
 * every other command in the same turn) instead of one commit each, and a command's writes and
 * the removal of its inbox entry commit together.
 *
 * Durability: WAL with synchronous=NORMAL. A commit survives a crash of this process (the ack
 * path's promise); only an OS crash or power loss can lose the last commits. When a commit fails
 * (disk full, I/O error), its writes are rolled back and `flush()` raises for a minute after, so
 * nobody is told "done" about a write that may have been in it.
 */
export async function createSqliteStore(url: string, onCommitError: (e: unknown) => void = defaultCommitError): Promise<StateStore> {
  const path = url.replace(/^sqlite:\/\//, '') || ':memory:';
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Checkpoints (copying the WAL back into the database, with fsyncs) run on a worker thread, not
  // inside a commit on this one, where each took milliseconds away from the acks.
  const checkpointer = path === ':memory:' ? undefined : startCheckpointer(db, path);
  db.exec(`
    CREATE TABLE IF NOT EXISTS keyv (key VARCHAR(255) PRIMARY KEY, value TEXT);
    CREATE TABLE IF NOT EXISTS ac_counter (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS ac_claim (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS ac_zset (key TEXT NOT NULL, member TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (key, member));
    CREATE INDEX IF NOT EXISTS ac_zset_score ON ac_zset (key, score);
    CREATE TABLE IF NOT EXISTS ac_hash (key TEXT NOT NULL, field TEXT NOT NULL, n REAL NOT NULL, PRIMARY KEY (key, field));
    CREATE TABLE IF NOT EXISTS ac_delivery (id TEXT PRIMARY KEY, expires INTEGER NOT NULL, received REAL NOT NULL, event TEXT) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ac_delivery_pending ON ac_delivery (received) WHERE event IS NOT NULL;
  `);
  migrateInbox(db);

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
  let open = false;
  let lastFailure: { at: number; error: unknown } | undefined;
  const commit = () => {
    if (!open) return;
    open = false;
    try {
      db.exec('COMMIT');
      checkpointer?.committed();
    } catch (e) {
      lastFailure = { at: Date.now(), error: e };
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    }
  };
  const commitAtTurnEnd = () => {
    try {
      commit();
    } catch (e) {
      onCommitError(e);
    }
  };
  /** Runs a write inside this turn's transaction. */
  const write = <T>(fn: () => T): T => {
    if (!open) {
      db.exec('BEGIN IMMEDIATE');
      open = true;
      setImmediate(commitAtTurnEnd);
    }
    return fn();
  };
  const takeClaim = (key: string, ttlMs: number, owner: string): boolean => {
    const now = Date.now();
    return stmt(CLAIM).all(key, owner, now + ttlMs, now).length === 1;
  };
  const all = (sql: string, ...params: unknown[]) => stmt(sql).all(...params) as Row[];
  const writeAll = (sql: string, ...params: unknown[]) => write(() => stmt(sql).all(...params) as Row[]);
  const run = (sql: string, ...params: unknown[]) => write(() => stmt(sql).run(...params));

  const keyv = new Keyv({ serialize: serializeValue, deserialize: deserializeValue, store: keyvAdapter(stmt, write, async () => {
      commit();
      await checkpointer?.stop();
      db.close();
    }), namespace: NAMESPACE, throwOnErrors: true });

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
      const rows = writeAll('INSERT INTO ac_counter (key, n) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET n = n + excluded.n RETURNING n', key, by);
      return Number(rows[0]?.n);
    },
    async counter(key) {
      const rows = all('SELECT n FROM ac_counter WHERE key = ?', key);
      return rows.length ? Number(rows[0]?.n) : 0;
    },
    async claim(key, ttlMs, owner = '1') {
      return write(() => takeClaim(key, ttlMs, owner));
    },
    async inboxAdd(entry, dedupeTtlMs) {
      const now = Date.now();
      return write(() => stmt(INBOX_ADD).all(entry.id, now + dedupeTtlMs, entry.receivedAt, JSON.stringify(entry.event), now).length === 1);
    },
    async inboxRemove(id) {
      run('UPDATE ac_delivery SET event = NULL WHERE id = ?', id);
    },
    async inboxPending(receivedBefore, limit) {
      const rows = all('SELECT id, event, received FROM ac_delivery WHERE event IS NOT NULL AND received <= ? ORDER BY received LIMIT ?', receivedBefore, limit);
      return rows.map((r) => ({ id: String(r.id), event: JSON.parse(String(r.event)) as unknown, receivedAt: Number(r.received) }));
    },
    async release(key, owner = '1') {
      run('DELETE FROM ac_claim WHERE key = ? AND owner = ?', key, owner);
    },
    async zadd(key, member, score, options) {
      run(
        options?.onlyNew
          ? 'INSERT INTO ac_zset (key, member, score) VALUES (?, ?, ?) ON CONFLICT(key, member) DO NOTHING'
          : ZADD,
        key,
        member,
        score,
      );
    },
    async zrem(key, member) {
      run('DELETE FROM ac_zset WHERE key = ? AND member = ?', key, member);
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
      const rows = writeAll('INSERT INTO ac_hash (key, field, n) VALUES (?, ?, ?) ON CONFLICT(key, field) DO UPDATE SET n = n + excluded.n RETURNING n', key, field, by);
      return Number(rows[0]?.n);
    },
    async hgetall(key) {
      const rows = all('SELECT field, n FROM ac_hash WHERE key = ?', key);
      const out: Record<string, number> = {};
      for (const r of rows) out[String(r.field)] = Number(r.n);
      return out;
    },
    async flush() {
      commit();
      if (lastFailure && Date.now() - lastFailure.at < FAILURE_WINDOW_MS) {
        throw new Error(`a recent SQLite commit failed, writes may be lost: ${String(lastFailure.error)}`);
      }
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
 * database written by earlier versions reads the same). Keyv serializes values and keeps their
 * expiry; this stores the strings.
 */
function keyvAdapter(stmt: (sql: string) => Database.Statement, write: <T>(fn: () => T) => T, close: () => Promise<void>): KeyvStoreAdapter {
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
      write(() => stmt(KEYV_UPSERT).run(key, value));
    },
    async delete(key: string) {
      return write(() => stmt('DELETE FROM keyv WHERE key = ?').run(key)).changes > 0;
    },
    async deleteMany(keys: string[]) {
      return write(() => stmt('DELETE FROM keyv WHERE key IN (SELECT value FROM json_each(?))').run(JSON.stringify(keys))).changes > 0;
    },
    async has(key: string) {
      return stmt('SELECT 1 FROM keyv WHERE key = ?').get(key) !== undefined;
    },
    async clear() {
      const ns = adapter.namespace;
      write(() => stmt('DELETE FROM keyv WHERE key LIKE ?').run(ns ? `${ns}:%` : '%'));
    },
    async disconnect() {
      await close();
    },
  };
  return adapter as unknown as KeyvStoreAdapter;
}

/**
 * Inbound deliveries: one row per delivery id holds the dedupe claim (`expires`) and, while it is
 * pending, the event. A repeat within the claim changes nothing (RETURNING yields no row). One
 * clustered B-tree plus a partial index of the pending few: the ack's commit writes two or three
 * pages instead of the seven trees a claim, a Keyv value and a sorted index touch.
 */
const INBOX_ADD = `INSERT INTO ac_delivery (id, expires, received, event) VALUES (?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET expires = excluded.expires, received = excluded.received, event = excluded.event
  WHERE ac_delivery.expires <= ?
  RETURNING 1`;

/**
 * Databases written before ac_delivery kept inbound dedupe claims in ac_claim (`delivery:<id>`) and
 * pending events as Keyv values (`inbox:<id>`) indexed by the sorted set `idx:inbox`. Moved over
 * once, at open, in one transaction; afterwards there is nothing left to move.
 */
function migrateInbox(db: Database.Database): void {
  const pending = db.prepare("SELECT member, score FROM ac_zset WHERE key = 'idx:inbox'").all() as Array<{ member: string; score: number }>;
  const claims = db.prepare("SELECT COUNT(*) AS n FROM ac_claim WHERE key >= 'delivery:' AND key < 'delivery;'").get() as { n: number };
  if (pending.length === 0 && claims.n === 0) return;
  const now = Date.now();
  db.transaction(() => {
    db.prepare(
      `INSERT INTO ac_delivery (id, expires, received, event)
       SELECT substr(key, 10), expires, 0, NULL FROM ac_claim WHERE key >= 'delivery:' AND key < 'delivery;' AND expires > ?
       ON CONFLICT(id) DO NOTHING`,
    ).run(now);
    db.prepare("DELETE FROM ac_claim WHERE key >= 'delivery:' AND key < 'delivery;'").run();
    const read = db.prepare('SELECT value FROM keyv WHERE key = ?');
    const drop = db.prepare('DELETE FROM keyv WHERE key = ?');
    const put = db.prepare('INSERT INTO ac_delivery (id, expires, received, event) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET received = excluded.received, event = excluded.event');
    for (const { member, score } of pending) {
      const row = read.get(`${NAMESPACE}:inbox:${member}`) as { value: string } | undefined;
      const event = row ? deserializeValue<{ value?: unknown }>(row.value).value : undefined;
      if (event !== undefined) put.run(member, now + LEGACY_DEDUPE_MS, score, JSON.stringify(event));
      drop.run(`${NAMESPACE}:inbox:${member}`);
    }
    db.prepare("DELETE FROM ac_zset WHERE key = 'idx:inbox'").run();
  })();
}

/** Dedupe kept for events moved over from the old layout (the core's own window). */
const LEGACY_DEDUPE_MS = 48 * 3600_000;

const NAMESPACE = 'aftercare';
const KEYV_UPSERT = 'INSERT INTO keyv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value';
const ZADD = 'INSERT INTO ac_zset (key, member, score) VALUES (?, ?, ?) ON CONFLICT(key, member) DO UPDATE SET score = excluded.score';
/** Takes a claim that is absent or expired; RETURNING yields a row only when it was taken. */
const CLAIM = `INSERT INTO ac_claim (key, owner, expires) VALUES (?, ?, ?)
  ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires WHERE ac_claim.expires <= ?
  RETURNING owner`;

/** After a failed commit, `flush()` raises for this long (longer than any command takes). */
const FAILURE_WINDOW_MS = 60_000;

function defaultCommitError(e: unknown): void {
  // No logger reaches the state module; stderr is where the process log goes.
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'sqlite commit failed; its writes were rolled back', error: String(e) })}\n`);
}

function toSqlBound(n: number): number {
  if (n === Infinity) return Number.MAX_VALUE;
  if (n === -Infinity) return -Number.MAX_VALUE;
  return n;
}
