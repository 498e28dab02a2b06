import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import { chunk, serialize } from './store.js';
import { keys } from '../core/keys.js';
import { EFFECT_TTL_MS, StaleRevisionError, type InboxEntry, type RangeOptions, type StateStore, type Write } from '../core/store.js';


const PREFIX = 'aftercare:';
/** Where `@keyv/redis` keeps Keyv values (its namespace, then `::`). */
const VALUE_PREFIX = 'aftercare::';
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
/**
 * KEYS: claim, event, pending index; ARGV: dedupe ttl ms, event JSON, received at, id. Checks the
 * claim first and takes it last: a script that fails part-way (Redis does not roll back a failed
 * script) leaves the claim free, so the platform's retry is taken as new.
 */
const INBOX_ADD_SCRIPT = `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1`;
/** KEYS: counter, effect; ARGV: effect ttl ms. The effect remembers the number it took. */
const NEXT_ID_SCRIPT = `local known = redis.call('GET', KEYS[2])
if known then return tonumber(known) end
local n = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], n, 'PX', ARGV[1])
return n`;
/**
 * ARGV: the writes as JSON ([op, key, …] each), the `once` key ('' for none), its ttl ms, the
 * `expect` key ('' for none) and revision (-1 when the value there has another revision), then
 * the `always` writes as JSON. Keys are
 * full Redis keys. Runs as one script: nothing else runs in between.
 */
const BATCH_SCRIPT = `local function apply(w)
  local op = w[1]
  if op == 'set' then
    if w[4] then redis.call('SET', w[2], w[3], 'PX', w[4]) else redis.call('SET', w[2], w[3]) end
  elseif op == 'delete' then redis.call('DEL', w[2])
  elseif op == 'zadd' then
    if w[5] then redis.call('ZADD', w[2], 'NX', w[4], w[3]) else redis.call('ZADD', w[2], w[4], w[3]) end
  elseif op == 'zrem' then redis.call('ZREM', w[2], w[3])
  elseif op == 'hincr' then
    for i = 3, #w, 2 do redis.call('HINCRBYFLOAT', w[2], w[i], w[i + 1]) end
  elseif op == 'release' then
    if redis.call('GET', w[2]) == w[3] then redis.call('DEL', w[2]) end
  end
end
if ARGV[4] ~= '' then
  local current = redis.call('GET', ARGV[4])
  local rev = 0
  if current then
    local stored = cjson.decode(current).value
    if type(stored) == 'table' and stored.rev then rev = stored.rev end
  end
  if rev ~= tonumber(ARGV[5]) then return -1 end
end
for _, w in ipairs(cjson.decode(ARGV[6])) do apply(w) end
if ARGV[2] ~= '' and not redis.call('SET', ARGV[2], '1', 'NX', 'PX', ARGV[3]) then return 0 end
for _, w in ipairs(cjson.decode(ARGV[1])) do apply(w) end
return 1`;
/** KEYS: hash, effect (or none); ARGV: effect ttl ms, then field, by pairs. */
const HINCR_MANY_SCRIPT = `if KEYS[2] and not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 0 end
for i = 2, #ARGV, 2 do redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1`;

/**
 * Redis through `@keyv/redis`. Values go through Keyv; atomic structures use the node-redis client
 * the adapter exposes (INCRBY, SET NX PX, sorted sets, HINCRBYFLOAT). Configured to throw on errors:
 * by default Keyv answers `undefined` when Redis is down, which a dedupe check would read as "new".
 */
export async function createRedisStore(url: string): Promise<StateStore> {
  const adapter = new KeyvRedis(url, { throwOnErrors: true, throwOnConnectError: true, connectionTimeout: 5_000 });
  const keyv = new Keyv({ store: adapter, namespace: 'aftercare', throwOnErrors: true, useKeyPrefix: false });
  // Connect now: a bad URL or a down server fails start-up instead of the first command.
  const client = (await adapter.getClient()) as unknown as RedisLike;
  const k = (key: string) => `${PREFIX}${key}`;

  return {
    kind: 'redis',
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
      return Number(await client.incrBy(k(`n:${key}`), by));
    },
    async counter(key) {
      const v = await client.get(k(`n:${key}`));
      return v === null ? 0 : Number(v);
    },
    async claim(key, ttlMs, owner = '1') {
      const res = await client.set(k(`c:${key}`), owner, { NX: true, PX: Math.max(1, Math.round(ttlMs)) });
      return res === 'OK';
    },
    async nextId(seq, effect) {
      if (!effect) return Number(await client.incr(k(`n:${seq}`)));
      return Number(await client.eval(NEXT_ID_SCRIPT, { keys: [k(`n:${seq}`), k(`c:${effect}`)], arguments: [String(EFFECT_TTL_MS)] }));
    },
    async inboxAdd(entry, dedupeTtlMs) {
      const fresh = await client.eval(INBOX_ADD_SCRIPT, {
        keys: [k(`c:${keys.delivery(entry.id)}`), k(keys.inboxItem(entry.id)), k(`z:${keys.inbox()}`)],
        arguments: [String(Math.max(1, Math.round(dedupeTtlMs))), JSON.stringify(entry.event), String(entry.receivedAt), entry.id],
      });
      return Number(fresh) === 1;
    },
    async inboxRemove(id) {
      await client.zRem(k(`z:${keys.inbox()}`), id);
      await client.del(k(keys.inboxItem(id)));
    },
    async inboxPending(limit) {
      const rows = await client.zRangeWithScores(k(`z:${keys.inbox()}`), '-inf', '+inf', { BY: 'SCORE', LIMIT: { offset: 0, count: limit } });
      const events = rows.length ? await client.mGet(rows.map((r) => k(keys.inboxItem(String(r.value))))) : [];
      const out: InboxEntry[] = [];
      rows.forEach((r, i) => {
        const json = events[i];
        if (json) out.push({ id: String(r.value), event: JSON.parse(json) as unknown, receivedAt: Number(r.score) });
      });
      return out;
    },
    async release(key, owner = '1') {
      await client.eval(RELEASE_SCRIPT, { keys: [k(`c:${key}`)], arguments: [owner] });
    },
    async zadd(key, member, score, options) {
      await client.zAdd(k(`z:${key}`), { score, value: member }, options?.onlyNew ? { condition: 'NX' } : undefined);
    },
    async zrem(key, member) {
      await client.zRem(k(`z:${key}`), member);
    },
    async zscore(key, member) {
      const v = await client.zScore(k(`z:${key}`), member);
      return v === null ? undefined : Number(v);
    },
    async zrange(key, min, max, options: RangeOptions = {}) {
      const lo = min === -Infinity ? '-inf' : String(min);
      const hi = max === Infinity ? '+inf' : String(max);
      const limit = options.limit !== undefined ? { offset: options.offset ?? 0, count: options.limit } : undefined;
      const rows = await client.zRangeWithScores(
        k(`z:${key}`),
        options.reverse ? hi : lo,
        options.reverse ? lo : hi,
        { BY: 'SCORE', REV: options.reverse ? true : undefined, LIMIT: limit },
      );
      return rows.map((r) => ({ member: String(r.value), score: Number(r.score) }));
    },
    async zcard(key) {
      return Number(await client.zCard(k(`z:${key}`)));
    },
    async hincr(key, field, by = 1) {
      return Number(await client.hIncrByFloat(k(`h:${key}`), field, by));
    },
    async hincrMany(key, by, effect) {
      const pairs = Object.entries(by).flatMap(([field, n]) => [field, String(n)]);
      const scriptKeys = effect ? [k(`h:${key}`), k(`c:${effect}`)] : [k(`h:${key}`)];
      await client.eval(HINCR_MANY_SCRIPT, { keys: scriptKeys, arguments: [String(EFFECT_TTL_MS), ...pairs] });
    },
    async batch(writes, options = {}) {
      const encode = async (list: Write[]) => {
        const encoded: unknown[] = [];
        for (const w of list) {
          if (w.op === 'set') {
            const ttl = w.ttlMs === undefined ? false : Math.max(1, Math.round(w.ttlMs));
            encoded.push(['set', `${VALUE_PREFIX}${w.key}`, await serialize(keyv, w.value, w.ttlMs), ttl]);
          } else if (w.op === 'delete') encoded.push(['delete', `${VALUE_PREFIX}${w.key}`]);
          else if (w.op === 'zadd') encoded.push(['zadd', k(`z:${w.key}`), w.member, w.score, w.onlyNew === true]);
          else if (w.op === 'zrem') encoded.push(['zrem', k(`z:${w.key}`), w.member]);
          else if (w.op === 'hincr') encoded.push(['hincr', k(`h:${w.key}`), ...Object.entries(w.by).flatMap(([f, n]) => [f, String(n)])]);
          else encoded.push(['release', k(`c:${w.key}`), w.owner]);
        }
        // cjson reads an empty JSON array as an empty object; ipairs then yields nothing either way.
        return JSON.stringify(encoded);
      };
      const once = options.once ? k(`c:${options.once}`) : '';
      const ttl = String(Math.max(1, Math.round(options.onceTtlMs ?? EFFECT_TTL_MS)));
      const expect = options.expect ? [`${VALUE_PREFIX}${options.expect.key}`, String(options.expect.rev)] : ['', '0'];
      const args = [await encode(writes), once, ttl, ...expect, await encode(options.always ?? [])];
      const result = Number(await client.eval(BATCH_SCRIPT, { keys: [], arguments: args }));
      if (result === -1) throw new StaleRevisionError(options.expect!.key);
      return result === 1;
    },
    async hgetall(key) {
      const raw = await client.hGetAll(k(`h:${key}`));
      const out: Record<string, number> = {};
      for (const [f, v] of Object.entries(raw)) out[f] = Number(v);
      return out;
    },
    async purgeExpired() {
      // Every key that expires was written with a TTL: Redis removes it.
      return 0;
    },
    async ping() {
      await client.ping();
    },
    async close() {
      await keyv.disconnect();
    },
  };
}

/** The subset of the node-redis client used here (typed loosely: its generics are heavy). */
interface RedisLike {
  incrBy(key: string, by: number): Promise<number>;
  incr(key: string): Promise<number>;
  del(key: string): Promise<number>;
  mGet(keys: string[]): Promise<Array<string | null>>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, opts: { NX: boolean; PX: number }): Promise<string | null>;
  eval(script: string, opts: { keys: string[]; arguments: string[] }): Promise<unknown>;
  zAdd(key: string, m: { score: number; value: string }, options?: { condition?: 'NX' | 'XX' }): Promise<number>;
  zRem(key: string, member: string): Promise<number>;
  zScore(key: string, member: string): Promise<number | null>;
  zRangeWithScores(
    key: string,
    min: string,
    max: string,
    opts: { BY: 'SCORE'; REV?: true; LIMIT?: { offset: number; count: number } },
  ): Promise<Array<{ value: string; score: number }>>;
  zCard(key: string): Promise<number>;
  hIncrByFloat(key: string, field: string, by: number): Promise<string | number>;
  hGetAll(key: string): Promise<Record<string, string>>;
  ping(): Promise<string>;
}
