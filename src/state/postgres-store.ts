import KeyvPostgres from '@keyv/postgres';
import Keyv from 'keyv';
import pg from 'pg';
import { chunk, serialize } from './store.js';
import { EFFECT_TTL_MS, StaleRevisionError, type InboxEntry, type RangeOptions, type ScoredMember, type StateStore, type Write } from '../core/store.js';

const NAMESPACE = 'aftercare';

/**
 * The schema, one step per version. A database records the versions applied (table
 * `ac_schema_version`); on start each replica applies the missing ones, in order, under an advisory
 * lock so that replicas starting together migrate once. Steps are never edited once released: a
 * change is a new step.
 *
 * Text columns that are keys or members use the "C" collation: byte order, as SQLite and Redis sort
 * members with equal scores, and cheaper to compare.
 *
 * Atomic operations that must do several things as one (a batch with its `once` claim and `expect`
 * check, an id remembered by its effect, the hash increments of an effect) are PL/pgSQL functions:
 * one statement, so one round trip and one transaction, as the Redis store runs one script.
 */
const MIGRATIONS: string[] = [
  // 1: the tables of the SQLite store, and the functions of the atomic operations.
  `
  CREATE TABLE IF NOT EXISTS keyv (key TEXT COLLATE "C" PRIMARY KEY, value TEXT);
  -- Keyv keeps a value's expiry inside its JSON; a generated column lets purgeExpired find the
  -- expired ones through an index instead of reading every value.
  ALTER TABLE keyv ADD COLUMN IF NOT EXISTS expires BIGINT GENERATED ALWAYS AS (((value::json) ->> 'expires')::bigint) STORED;
  CREATE INDEX IF NOT EXISTS keyv_expires ON keyv (expires) WHERE expires IS NOT NULL;
  CREATE TABLE ac_counter (key TEXT COLLATE "C" PRIMARY KEY, n BIGINT NOT NULL);
  CREATE TABLE ac_claim (key TEXT COLLATE "C" PRIMARY KEY, owner TEXT NOT NULL, expires BIGINT NOT NULL);
  CREATE INDEX ac_claim_expires ON ac_claim (expires);
  CREATE TABLE ac_zset (key TEXT COLLATE "C" NOT NULL, member TEXT COLLATE "C" NOT NULL, score DOUBLE PRECISION NOT NULL, PRIMARY KEY (key, member));
  CREATE INDEX ac_zset_score ON ac_zset (key, score, member);
  CREATE TABLE ac_hash (key TEXT COLLATE "C" NOT NULL, field TEXT COLLATE "C" NOT NULL, n DOUBLE PRECISION NOT NULL, PRIMARY KEY (key, field));
  CREATE TABLE ac_delivery (id TEXT COLLATE "C" PRIMARY KEY, expires BIGINT NOT NULL, received DOUBLE PRECISION NOT NULL, event TEXT);
  CREATE INDEX ac_delivery_pending ON ac_delivery (received) WHERE event IS NOT NULL;
  CREATE INDEX ac_delivery_expires ON ac_delivery (expires) WHERE event IS NULL;

  -- Takes a claim that is absent or expired: true when the caller now holds it. A concurrent
  -- taker waits on the row and then sees the winner's claim.
  CREATE FUNCTION ac_claim_take(k TEXT, who TEXT, until BIGINT, now BIGINT) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
  DECLARE taken BOOLEAN;
  BEGIN
    INSERT INTO ac_claim (key, owner, expires) VALUES (k, who, until)
      ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires WHERE ac_claim.expires <= now
      RETURNING true INTO taken;
    RETURN coalesce(taken, false);
  END $$;

  -- One write of a batch, as JSON: {op, key, …} (see Write in src/core/store.ts; a set carries the
  -- Keyv-serialized text and the full Keyv key).
  CREATE FUNCTION ac_apply(w JSON) RETURNS VOID LANGUAGE plpgsql AS $$
  DECLARE op TEXT := w ->> 'op';
  BEGIN
    IF op = 'set' THEN
      INSERT INTO keyv (key, value) VALUES (w ->> 'key', w ->> 'text') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    ELSIF op = 'delete' THEN
      DELETE FROM keyv WHERE key = w ->> 'key';
    ELSIF op = 'zadd' AND coalesce((w ->> 'onlyNew')::boolean, false) THEN
      INSERT INTO ac_zset (key, member, score) VALUES (w ->> 'key', w ->> 'member', (w ->> 'score')::float8) ON CONFLICT (key, member) DO NOTHING;
    ELSIF op = 'zadd' THEN
      INSERT INTO ac_zset (key, member, score) VALUES (w ->> 'key', w ->> 'member', (w ->> 'score')::float8)
        ON CONFLICT (key, member) DO UPDATE SET score = excluded.score;
    ELSIF op = 'zrem' THEN
      DELETE FROM ac_zset WHERE key = w ->> 'key' AND member = w ->> 'member';
    ELSIF op = 'hincr' THEN
      INSERT INTO ac_hash (key, field, n) SELECT w ->> 'key', f.key, f.value::float8 FROM json_each_text(w -> 'by') f
        ON CONFLICT (key, field) DO UPDATE SET n = ac_hash.n + excluded.n;
    ELSIF op = 'release' THEN
      DELETE FROM ac_claim WHERE key = w ->> 'key' AND owner = w ->> 'owner';
    ELSE
      RAISE EXCEPTION 'aftercare: unknown write %', op;
    END IF;
  END $$;

  -- A batch (StateStore.batch): -1 when the expected revision is not there (nothing written),
  -- 0 when the once key was already claimed (only the always writes applied), 1 when applied.
  CREATE FUNCTION ac_batch(writes JSON, always JSON, once TEXT, once_until BIGINT, expect_key TEXT, expect_rev FLOAT8, now BIGINT)
  RETURNS INTEGER LANGUAGE plpgsql AS $$
  DECLARE current TEXT; rev FLOAT8; w JSON;
  BEGIN
    IF expect_key IS NOT NULL THEN
      -- The row lock serializes writers of an existing value; the advisory lock also those
      -- creating it (a missing row has nothing to lock).
      PERFORM pg_advisory_xact_lock(hashtextextended(expect_key, 0));
      SELECT value INTO current FROM keyv WHERE key = expect_key FOR UPDATE;
      rev := CASE WHEN json_typeof(current::json -> 'value') = 'object' THEN coalesce((current::json -> 'value' ->> 'rev')::float8, 0) ELSE 0 END;
      IF rev IS DISTINCT FROM expect_rev THEN RETURN -1; END IF;
    END IF;
    FOR w IN SELECT json_array_elements(always) LOOP PERFORM ac_apply(w); END LOOP;
    IF once IS NOT NULL AND NOT ac_claim_take(once, '1', once_until, now) THEN RETURN 0; END IF;
    FOR w IN SELECT json_array_elements(writes) LOOP PERFORM ac_apply(w); END LOOP;
    RETURN 1;
  END $$;

  -- The next number of counter seq; with an effect key, the number that effect took before (the
  -- claim's owner holds it) or, the first time, a new one.
  CREATE FUNCTION ac_next_id(seq TEXT, effect TEXT, effect_until BIGINT, now BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
  DECLARE v BIGINT;
  BEGIN
    IF effect IS NOT NULL AND NOT ac_claim_take(effect, '', effect_until, now) THEN
      SELECT owner::bigint INTO v FROM ac_claim WHERE key = effect;
      RETURN v;
    END IF;
    INSERT INTO ac_counter (key, n) VALUES (seq, 1) ON CONFLICT (key) DO UPDATE SET n = ac_counter.n + 1 RETURNING n INTO v;
    IF effect IS NOT NULL THEN UPDATE ac_claim SET owner = v::text WHERE key = effect; END IF;
    RETURN v;
  END $$;

  -- Adds to several fields of a hash; with an effect key, only the first time.
  CREATE FUNCTION ac_hincr_many(k TEXT, by JSON, effect TEXT, effect_until BIGINT, now BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
  BEGIN
    IF effect IS NOT NULL AND NOT ac_claim_take(effect, '1', effect_until, now) THEN RETURN; END IF;
    PERFORM ac_apply(json_build_object('op', 'hincr', 'key', k, 'by', by));
  END $$;
  `,
];

/** Any fixed number: the advisory lock key under which replicas migrate one at a time. */
const MIGRATION_LOCK = 0x61667463; // "aftc"

/** SQLSTATEs after which the whole statement can simply run again: deadlock detected, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);

/** The schema version this code writes. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Applies the missing migrations in one transaction under an advisory lock. Refuses a database
 * migrated by a newer aftercare (its data may not read right here).
 */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS ac_schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM ac_schema_version');
    const current = rows[0]?.v ?? 0;
    if (current > MIGRATIONS.length) throw new Error(`the database has schema version ${current}, newer than this aftercare knows (${MIGRATIONS.length}); run the newer aftercare`);
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v - 1]!);
      await client.query('INSERT INTO ac_schema_version (version) VALUES ($1)', [v]);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/**
 * `@keyv/postgres` on our own pool: its default keeps one pool per process in a module variable,
 * which `disconnect()` ends for every store at that URL; a store here owns its pool. Its
 * statements are named too. (Its CREATE TABLE on construction finds the table migration 1 made.)
 */
class PooledKeyvPostgres extends KeyvPostgres {
  override async connect() {
    const { pool, named } = this.opts as { pool: pg.Pool; named: (sql: string) => string };
    return async (sql: string, values?: unknown[]) => (await pool.query({ name: named(sql), text: sql, values })).rows as unknown[];
  }
  override async disconnect() {
    // The pool is closed by the store's close().
  }
}

/**
 * PostgreSQL through `@keyv/postgres` and `pg`, for any number of replicas: values go through
 * Keyv (table `keyv`, the adapter's layout), atomic structures are tables of our own, and every
 * operation is one statement (a function where it does several things), so it is atomic in
 * PostgreSQL's own transaction. Claims (locks, leases of the outbox and timers, dedupe) are rows
 * taken with INSERT … ON CONFLICT … WHERE expired: a replica holding a lease dies, the lease
 * expires, another takes it.
 *
 * Durability: a call resolves after PostgreSQL has committed (fsync'd WAL with the default
 * `synchronous_commit = on`).
 */
export async function createPostgresStore(url: string): Promise<StateStore> {
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 5_000, max: Number(new URL(url).searchParams.get('pool') ?? 10) || 10 });
  // An idle connection that breaks is dropped by the pool, which opens a new one for the next
  // query; that query reports its own error if the database is gone. The event needs a listener
  // or it would end the process.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (e) {
    await pool.end();
    throw e;
  }
  // Statements are named, so each connection parses and plans one once and then only binds it.
  const names = new Map<string, string>();
  const named = (sql: string) => {
    let name = names.get(sql);
    if (!name) names.set(sql, (name = `ac_${names.size}`));
    return name;
  };
  const adapter = new PooledKeyvPostgres({ uri: url, pool, named } as unknown as ConstructorParameters<typeof KeyvPostgres>[0]);
  const keyv = new Keyv({ store: adapter, namespace: NAMESPACE, throwOnErrors: true });
  /** One statement; run again after a deadlock or serialization failure (it had no effect). */
  const q = async <R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await pool.query<R>({ name: named(sql), text: sql, values: params })).rows;
      } catch (e) {
        if (attempt >= 5 || !RETRYABLE.has((e as { code?: string }).code ?? '')) throw e;
        await new Promise((r) => setTimeout(r, attempt * 5 * Math.random()));
      }
    }
  };
  const takeClaim = async (key: string, ttlMs: number, owner: string) =>
    (await q<{ t: boolean }>('SELECT ac_claim_take($1, $2, $3, $4) AS t', [key, owner, Date.now() + Math.max(1, Math.round(ttlMs)), Date.now()]))[0]!.t;

  /** A batch write as ac_apply reads it (a set's value serialized as Keyv stores it). */
  const encode = async (list: Write[]) => {
    const out: unknown[] = [];
    for (const w of list) {
      if (w.op === 'set') out.push({ op: 'set', key: `${NAMESPACE}:${w.key}`, text: await serialize(keyv, w.value, w.ttlMs) });
      else if (w.op === 'delete') out.push({ op: 'delete', key: `${NAMESPACE}:${w.key}` });
      else out.push(w);
    }
    return JSON.stringify(out);
  };

  return {
    kind: 'postgres',
    async get<T>(key: string) {
      return (await keyv.get(key)) as T | undefined;
    },
    async getMany<T>(keys: string[]) {
      const out: Array<T | undefined> = [];
      for (const part of chunk(keys, 500)) out.push(...((await keyv.get(part)) as Array<T | undefined>));
      return out;
    },
    async set(key, value, ttlMs) {
      await keyv.set(key, value, ttlMs);
    },
    async delete(key) {
      await keyv.delete(key);
    },
    async incr(key, by = 1) {
      const rows = await q<{ n: string }>('INSERT INTO ac_counter (key, n) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET n = ac_counter.n + excluded.n RETURNING n', [key, by]);
      return Number(rows[0]!.n);
    },
    async counter(key) {
      const rows = await q<{ n: string }>('SELECT n FROM ac_counter WHERE key = $1', [key]);
      return rows.length ? Number(rows[0]!.n) : 0;
    },
    async claim(key, ttlMs, owner = '1') {
      return takeClaim(key, ttlMs, owner);
    },
    async nextId(seq, effect) {
      const rows = await q<{ n: string }>('SELECT ac_next_id($1, $2, $3, $4) AS n', [seq, effect ?? null, Date.now() + EFFECT_TTL_MS, Date.now()]);
      return Number(rows[0]!.n);
    },
    async inboxAdd(entry, dedupeTtlMs) {
      const now = Date.now();
      const rows = await q(
        `INSERT INTO ac_delivery (id, expires, received, event) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET expires = excluded.expires, received = excluded.received, event = excluded.event
         WHERE ac_delivery.expires <= $5 RETURNING 1`,
        [entry.id, now + Math.max(1, Math.round(dedupeTtlMs)), entry.receivedAt, JSON.stringify(entry.event), now],
      );
      return rows.length === 1;
    },
    async inboxRemove(id) {
      await q('UPDATE ac_delivery SET event = NULL WHERE id = $1', [id]);
    },
    async inboxPending(limit) {
      const rows = await q<{ id: string; event: string; received: number }>('SELECT id, event, received FROM ac_delivery WHERE event IS NOT NULL ORDER BY received LIMIT $1', [limit]);
      return rows.map((r): InboxEntry => ({ id: r.id, event: JSON.parse(r.event) as unknown, receivedAt: Number(r.received) }));
    },
    async release(key, owner = '1') {
      await q('DELETE FROM ac_claim WHERE key = $1 AND owner = $2', [key, owner]);
    },
    async zadd(key, member, score, options) {
      await q(
        options?.onlyNew
          ? 'INSERT INTO ac_zset (key, member, score) VALUES ($1, $2, $3) ON CONFLICT (key, member) DO NOTHING'
          : 'INSERT INTO ac_zset (key, member, score) VALUES ($1, $2, $3) ON CONFLICT (key, member) DO UPDATE SET score = excluded.score',
        [key, member, score],
      );
    },
    async zrem(key, member) {
      await q('DELETE FROM ac_zset WHERE key = $1 AND member = $2', [key, member]);
    },
    async zscore(key, member) {
      const rows = await q<{ score: number }>('SELECT score FROM ac_zset WHERE key = $1 AND member = $2', [key, member]);
      return rows.length ? Number(rows[0]!.score) : undefined;
    },
    async zrange(key, min, max, options: RangeOptions = {}) {
      const order = options.reverse ? 'score DESC, member DESC' : 'score ASC, member ASC';
      const rows = await q<{ member: string; score: number }>(
        `SELECT member, score FROM ac_zset WHERE key = $1 AND score >= $2 AND score <= $3 ORDER BY ${order} LIMIT $4 OFFSET $5`,
        [key, min, max, options.limit ?? null, options.offset ?? 0],
      );
      return rows.map((r): ScoredMember => ({ member: r.member, score: Number(r.score) }));
    },
    async zcard(key) {
      const rows = await q<{ c: string }>('SELECT count(*) AS c FROM ac_zset WHERE key = $1', [key]);
      return Number(rows[0]!.c);
    },
    async hincr(key, field, by = 1) {
      const rows = await q<{ n: number }>('INSERT INTO ac_hash (key, field, n) VALUES ($1, $2, $3) ON CONFLICT (key, field) DO UPDATE SET n = ac_hash.n + excluded.n RETURNING n', [key, field, by]);
      return Number(rows[0]!.n);
    },
    async hincrMany(key, by, effect) {
      await q('SELECT ac_hincr_many($1, $2, $3, $4, $5)', [key, JSON.stringify(by), effect ?? null, Date.now() + EFFECT_TTL_MS, Date.now()]);
    },
    async hgetall(key) {
      const rows = await q<{ field: string; n: number }>('SELECT field, n FROM ac_hash WHERE key = $1', [key]);
      const out: Record<string, number> = {};
      for (const r of rows) out[r.field] = Number(r.n);
      return out;
    },
    async batch(writes, options = {}) {
      const now = Date.now();
      const rows = await q<{ r: number }>('SELECT ac_batch($1, $2, $3, $4, $5, $6, $7) AS r', [
        await encode(writes),
        await encode(options.always ?? []),
        options.once ?? null,
        now + Math.max(1, Math.round(options.onceTtlMs ?? EFFECT_TTL_MS)),
        options.expect ? `${NAMESPACE}:${options.expect.key}` : null,
        options.expect?.rev ?? null,
        now,
      ]);
      const result = Number(rows[0]!.r);
      if (result === -1) throw new StaleRevisionError(options.expect!.key);
      return result === 1;
    },
    async purgeExpired(limit = 10_000) {
      const now = Date.now();
      // Processed deliveries past their dedupe window, claims past their lease, Keyv values past
      // their TTL (Keyv only drops those when they are read). Pending deliveries are never purged.
      const deliveries = await pool.query('DELETE FROM ac_delivery WHERE id IN (SELECT id FROM ac_delivery WHERE event IS NULL AND expires <= $1 LIMIT $2)', [now, limit]);
      const claims = await pool.query('DELETE FROM ac_claim WHERE key IN (SELECT key FROM ac_claim WHERE expires <= $1 LIMIT $2)', [now, limit]);
      const values = await pool.query('DELETE FROM keyv WHERE key IN (SELECT key FROM keyv WHERE expires <= $1 LIMIT $2)', [now, limit]);
      return (deliveries.rowCount ?? 0) + (claims.rowCount ?? 0) + (values.rowCount ?? 0);
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await keyv.disconnect();
      await pool.end();
    },
  };
}
