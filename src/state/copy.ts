/**
 * Moving a deployment between stores (`npm run store:copy -- <from-url> <to-url>`): every record of
 * aftercare's state — Keyv values, counters, claims, sorted indexes, hash aggregates, the inbox of
 * deliveries — read from one store and written to another, then verified.
 *
 * The records are read from the databases' own layouts (the tables of the SQLite and PostgreSQL
 * stores, the keys of the Redis store), not through StateStore, which has no way to list
 * everything. Values keep their Keyv serialization, expiry included. What has already expired is
 * not copied. The target must be empty: a copy never mixes two deployments.
 *
 * Sources: SQLite, PostgreSQL, Redis. Targets: SQLite, PostgreSQL (the stores whose state is a set
 * of tables; a Redis target would need every TTL turned back into key expiry, and the path users
 * take is towards PostgreSQL).
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createClient } from '@keyv/redis';
import pg from 'pg';
import { isPostgresUrl, openStore, redact } from './store.js';
import { keys } from '../core/keys.js';
import type { StateStore } from '../core/store.js';

/** One record of aftercare's state, in a form every store can hold. Times are epoch ms. */
export type StateRecord =
  | { t: 'value'; key: string; text: string }
  | { t: 'counter'; key: string; n: number }
  | { t: 'claim'; key: string; owner: string; expires: number }
  | { t: 'zset'; key: string; member: string; score: number }
  | { t: 'hash'; key: string; field: string; n: number }
  | { t: 'delivery'; id: string; expires: number; received: number; event: string | null };

export type RecordKind = StateRecord['t'];
export const RECORD_KINDS: RecordKind[] = ['value', 'counter', 'claim', 'zset', 'hash', 'delivery'];

/** Raw access to one store's records. */
interface RecordStore {
  /** Every live record, a page at a time. */
  read(now: number): AsyncIterable<StateRecord[]>;
  write(records: StateRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** What a copy did: records per kind in the source, and read back from the target. */
export interface CopyReport {
  from: string;
  to: string;
  copied: Record<RecordKind, number>;
  found: Record<RecordKind, number>;
  /** Records compared through the store interface of both sides (values, counters, indexes, aggregates). */
  spotChecked: number;
}

/** Keyv's namespace prefix in the SQLite and PostgreSQL `keyv` table; Redis uses `aftercare::`. */
const TABLE_PREFIX = 'aftercare:';
const REDIS_VALUE_PREFIX = 'aftercare::';
const REDIS_PREFIX = 'aftercare:';
const PAGE = 1000;
const SPOT_CHECKS = 50;

const zero = (): Record<RecordKind, number> => ({ value: 0, counter: 0, claim: 0, zset: 0, hash: 0, delivery: 0 });
const live = (text: string, now: number) => {
  const expires = (JSON.parse(text) as { expires?: number | null }).expires;
  return typeof expires !== 'number' || expires > now;
};

/**
 * Copies the whole state at `fromUrl` into the empty store at `toUrl`, then verifies it: the
 * records read back from the target, per kind, must be as many as were copied, and a spread
 * sample of them must read the same through both stores. Throws (the target may then hold part
 * of the copy: empty it before trying again) when the target is not empty or a check fails.
 */
export async function copyState(fromUrl: string, toUrl: string, progress: (line: string) => void = () => undefined): Promise<CopyReport> {
  if (isRedisUrl(toUrl)) throw new Error('store:copy writes to SQLite or PostgreSQL; to run on Redis, start there empty');
  const sourceFile = !isRedisUrl(fromUrl) && !isPostgresUrl(fromUrl) ? fromUrl.replace(/^sqlite:\/\//, '') : undefined;
  if (sourceFile !== undefined && !existsSync(sourceFile)) throw new Error(`there is no SQLite database at ${sourceFile}`);
  // Opening each as a store first creates the target's schema (and checks the source's).
  const [fromStore, toStore] = [await openStore(fromUrl), await openStore(toUrl)];
  const from = await recordStore(fromUrl);
  const to = await recordStore(toUrl);
  try {
    const now = Date.now();
    for await (const page of to.read(now)) {
      if (page.length) throw new Error(`the target ${redact(toUrl)} already holds aftercare state; copy into an empty database`);
    }
    const copied = zero();
    const sample: StateRecord[] = [];
    let seen = 0;
    for await (const page of from.read(now)) {
      await to.write(page);
      for (const r of page) {
        copied[r.t]++;
        // Reservoir sampling: a uniform sample of every record, whatever their number.
        seen++;
        if (sample.length < SPOT_CHECKS) sample.push(r);
        else if (Math.random() < SPOT_CHECKS / seen) sample[Math.floor(Math.random() * SPOT_CHECKS)] = r;
      }
      progress(`copied ${seen} records`);
    }
    const found = zero();
    for await (const page of to.read(now)) for (const r of page) found[r.t]++;
    const wrong = RECORD_KINDS.filter((k) => found[k] !== copied[k]);
    if (wrong.length) throw new Error(`the copy is incomplete: ${wrong.map((k) => `${k}: ${copied[k]} copied, ${found[k]} found`).join('; ')}`);
    let spotChecked = 0;
    for (const r of sample) if (await sameOnBoth(r, fromStore, toStore)) spotChecked++;
    return { from: redact(fromUrl), to: redact(toUrl), copied, found, spotChecked };
  } finally {
    await Promise.all([from.close(), to.close(), fromStore.close(), toStore.close()]);
  }
}

/** Reads `r` through both stores' interfaces; throws when they differ. False for records the interface cannot read (claims, deliveries). */
async function sameOnBoth(r: StateRecord, a: StateStore, b: StateStore): Promise<boolean> {
  const read = async (s: StateStore): Promise<unknown> => {
    if (r.t === 'value') return s.get(r.key);
    if (r.t === 'counter') return s.counter(r.key);
    if (r.t === 'zset') return s.zscore(r.key, r.member);
    if (r.t === 'hash') return (await s.hgetall(r.key))[r.field];
    return undefined;
  };
  if (r.t === 'claim' || r.t === 'delivery') return false;
  const [x, y] = [await read(a), await read(b)];
  if (JSON.stringify(x) !== JSON.stringify(y)) throw new Error(`spot check failed: ${r.t} ${r.key} reads ${JSON.stringify(x)} at the source and ${JSON.stringify(y)} at the target`);
  return true;
}

function isRedisUrl(url: string): boolean {
  return /^rediss?:\/\//.test(url);
}

async function recordStore(url: string): Promise<RecordStore> {
  if (isRedisUrl(url)) return redisRecords(url);
  if (isPostgresUrl(url)) return postgresRecords(url);
  return sqliteRecords(url.replace(/^sqlite:\/\//, ''));
}

/** The tables of the SQLite and PostgreSQL stores (src/state/sqlite-store.ts, postgres-store.ts): one query per kind. */
const TABLES: Record<RecordKind, { select: string; order: string }> = {
  value: { select: 'key, value FROM keyv', order: 'key' },
  counter: { select: 'key, n FROM ac_counter', order: 'key' },
  claim: { select: 'key, owner, expires FROM ac_claim', order: 'key' },
  zset: { select: 'key, member, score FROM ac_zset', order: 'key, member' },
  hash: { select: 'key, field, n FROM ac_hash', order: 'key, field' },
  delivery: { select: 'id, expires, received, event FROM ac_delivery', order: 'id' },
};

type Row = Record<string, unknown>;

/** A table row as a record; undefined for what has expired or is not aftercare's. */
function fromRow(kind: RecordKind, r: Row, now: number): StateRecord | undefined {
  switch (kind) {
    case 'value': {
      const key = String(r.key);
      if (!key.startsWith(TABLE_PREFIX) || !live(String(r.value), now)) return undefined;
      return { t: 'value', key: key.slice(TABLE_PREFIX.length), text: String(r.value) };
    }
    case 'counter':
      return { t: 'counter', key: String(r.key), n: Number(r.n) };
    case 'claim':
      return Number(r.expires) > now ? { t: 'claim', key: String(r.key), owner: String(r.owner), expires: Number(r.expires) } : undefined;
    case 'zset':
      return { t: 'zset', key: String(r.key), member: String(r.member), score: Number(r.score) };
    case 'hash':
      return { t: 'hash', key: String(r.key), field: String(r.field), n: Number(r.n) };
    case 'delivery': {
      const event = r.event === null ? null : String(r.event);
      // A processed delivery past its dedupe window is gone; a pending one is always kept.
      if (event === null && Number(r.expires) <= now) return undefined;
      return { t: 'delivery', id: String(r.id), expires: Number(r.expires), received: Number(r.received), event };
    }
  }
}

function sqliteRecords(path: string): RecordStore {
  const db = new Database(path, { timeout: 10_000 });
  const inserts: Record<RecordKind, Database.Statement> = {
    value: db.prepare('INSERT INTO keyv (key, value) VALUES (?, ?)'),
    counter: db.prepare('INSERT INTO ac_counter (key, n) VALUES (?, ?)'),
    claim: db.prepare('INSERT INTO ac_claim (key, owner, expires) VALUES (?, ?, ?)'),
    zset: db.prepare('INSERT INTO ac_zset (key, member, score) VALUES (?, ?, ?)'),
    hash: db.prepare('INSERT INTO ac_hash (key, field, n) VALUES (?, ?, ?)'),
    delivery: db.prepare('INSERT INTO ac_delivery (id, expires, received, event) VALUES (?, ?, ?, ?)'),
  };
  const writeAll = db.transaction((records: StateRecord[]) => {
    for (const r of records) inserts[r.t].run(...columns(r));
  });
  return {
    async *read(now) {
      for (const kind of RECORD_KINDS) {
        // One read transaction per kind; iterate() streams rows without loading the table.
        const page: StateRecord[] = [];
        for (const row of db.prepare(`SELECT ${TABLES[kind].select} ORDER BY ${TABLES[kind].order}`).iterate() as Iterable<Row>) {
          const r = fromRow(kind, row, now);
          if (r) page.push(r);
          if (page.length >= PAGE) yield page.splice(0);
        }
        if (page.length) yield page;
      }
    },
    async write(records) {
      writeAll(records);
    },
    async close() {
      db.close();
    },
  };
}

/** A record's columns in the order of its table. */
function columns(r: StateRecord): unknown[] {
  switch (r.t) {
    case 'value':
      return [`${TABLE_PREFIX}${r.key}`, r.text];
    case 'counter':
      return [r.key, r.n];
    case 'claim':
      return [r.key, r.owner, r.expires];
    case 'zset':
      return [r.key, r.member, r.score];
    case 'hash':
      return [r.key, r.field, r.n];
    case 'delivery':
      return [r.id, r.expires, r.received, r.event];
  }
}

async function postgresRecords(url: string): Promise<RecordStore> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  /** Multi-row inserts from arrays, one per kind and page. */
  const insert: Record<RecordKind, string> = {
    value: 'INSERT INTO keyv (key, value) SELECT * FROM unnest($1::text[], $2::text[])',
    counter: 'INSERT INTO ac_counter (key, n) SELECT * FROM unnest($1::text[], $2::bigint[])',
    claim: 'INSERT INTO ac_claim (key, owner, expires) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])',
    zset: 'INSERT INTO ac_zset (key, member, score) SELECT * FROM unnest($1::text[], $2::text[], $3::float8[])',
    hash: 'INSERT INTO ac_hash (key, field, n) SELECT * FROM unnest($1::text[], $2::text[], $3::float8[])',
    delivery: 'INSERT INTO ac_delivery (id, expires, received, event) SELECT * FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::text[])',
  };
  return {
    async *read(now) {
      // One snapshot for the whole read: a copy taken while replicas run is still consistent.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        for (const kind of RECORD_KINDS) {
          for (let offset = 0; ; offset += PAGE) {
            const { rows } = await client.query<Row>(`SELECT ${TABLES[kind].select} ORDER BY ${TABLES[kind].order} LIMIT ${PAGE} OFFSET ${offset}`);
            const page = rows.map((row) => fromRow(kind, row, now)).filter((r): r is StateRecord => r !== undefined);
            if (page.length) yield page;
            if (rows.length < PAGE) break;
          }
        }
      } finally {
        await client.query('COMMIT');
      }
    },
    async write(records) {
      await client.query('BEGIN');
      try {
        for (const kind of RECORD_KINDS) {
          const rows = records.filter((r) => r.t === kind).map(columns);
          if (!rows.length) continue;
          const arrays = rows[0]!.map((_, i) => rows.map((row) => row[i]));
          await client.query(insert[kind], arrays);
        }
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
    },
    async close() {
      await client.end();
    },
  };
}

/**
 * The Redis store's keys (src/state/redis-store.ts): `aftercare::<key>` Keyv values, and under
 * `aftercare:` `n:` counters, `c:` claims (a delivery's dedupe claim is `c:delivery:<id>`), `z:`
 * sorted indexes (the inbox's pending index is `z:idx:inbox`, its events `inbox:<id>`), `h:` hashes.
 */
async function redisRecords(url: string): Promise<RecordStore> {
  const client = createClient({ url });
  await client.connect();
  const pttlToExpiry = (ms: number, now: number) => (ms < 0 ? Number.MAX_SAFE_INTEGER : now + ms);
  const claimPrefix = `${REDIS_PREFIX}c:`;
  const deliveryClaim = `${claimPrefix}${keys.delivery('')}`;
  const inboxIndex = `${REDIS_PREFIX}z:${keys.inbox()}`;
  const inboxItems = `${REDIS_PREFIX}${keys.inboxItem('')}`;
  return {
    async *read(now) {
      const page: StateRecord[] = [];
      for await (const batch of client.scanIterator({ MATCH: `${REDIS_PREFIX}*`, COUNT: PAGE })) {
        for (const key of batch as string[]) {
          if (key.startsWith(REDIS_VALUE_PREFIX)) {
            const text = await client.get(key);
            if (text !== null && live(text, now)) page.push({ t: 'value', key: key.slice(REDIS_VALUE_PREFIX.length), text });
          } else if (key.startsWith(deliveryClaim)) {
            const id = key.slice(deliveryClaim.length);
            // Pending ones are read from the inbox index below.
            if ((await client.zScore(inboxIndex, id)) === null) page.push({ t: 'delivery', id, expires: pttlToExpiry(await client.pTTL(key), now), received: 0, event: null });
          } else if (key.startsWith(claimPrefix)) {
            const owner = await client.get(key);
            if (owner !== null) page.push({ t: 'claim', key: key.slice(claimPrefix.length), owner, expires: pttlToExpiry(await client.pTTL(key), now) });
          } else if (key.startsWith(`${REDIS_PREFIX}n:`)) {
            page.push({ t: 'counter', key: key.slice(REDIS_PREFIX.length + 2), n: Number(await client.get(key)) });
          } else if (key === inboxIndex) {
            for (const { value: id, score } of await client.zRangeWithScores(key, 0, -1)) {
              const event = await client.get(`${inboxItems}${id}`);
              const claim = await client.pTTL(`${deliveryClaim}${id}`);
              if (event !== null) page.push({ t: 'delivery', id, expires: claim > 0 ? now + claim : now, received: score, event });
            }
          } else if (key.startsWith(`${REDIS_PREFIX}z:`)) {
            for (const { value, score } of await client.zRangeWithScores(key, 0, -1)) page.push({ t: 'zset', key: key.slice(REDIS_PREFIX.length + 2), member: value, score });
          } else if (key.startsWith(`${REDIS_PREFIX}h:`)) {
            for (const [field, n] of Object.entries(await client.hGetAll(key))) page.push({ t: 'hash', key: key.slice(REDIS_PREFIX.length + 2), field, n: Number(n) });
          } else if (!key.startsWith(inboxItems)) {
            throw new Error(`unknown Redis key ${key}: not written by this aftercare`);
          }
          if (page.length >= PAGE) yield page.splice(0);
        }
      }
      if (page.length) yield page;
    },
    async write() {
      throw new Error('store:copy does not write to Redis');
    },
    async close() {
      await client.quit();
    },
  };
}
