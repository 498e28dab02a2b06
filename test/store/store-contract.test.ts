import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaleRevisionError, type StateStore } from '../../src/core/store.js';
import { openStore } from '../../src/state/store.js';
import { freshPostgresUrl, tempSqliteUrl, testPostgresUrl, testRedisUrl } from '../helpers/env.js';

const redisUrl = testRedisUrl();
const backends: Array<[string, () => string | Promise<string>]> = [['sqlite', () => tempSqliteUrl('contract')]];
if (redisUrl) backends.push(['redis', () => redisUrl]);
if (testPostgresUrl()) backends.push(['postgres', () => freshPostgresUrl('contract')]);

describe.each(backends)('the %s store', (kind, url) => {
  let store: StateStore;
  const ns = `t${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  beforeAll(async () => {
    store = await openStore(await url());
  });
  afterAll(async () => {
    await store.close();
  });

  it('reports its kind and answers ping', async () => {
    expect(store.kind).toBe(kind);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('round-trips JSON values and deletes them', async () => {
    await store.set(`${ns}:v`, { a: 1, b: ['x'] });
    expect(await store.get(`${ns}:v`)).toEqual({ a: 1, b: ['x'] });
    expect(await store.getMany([`${ns}:v`, `${ns}:missing`])).toEqual([{ a: 1, b: ['x'] }, undefined]);
    await store.delete(`${ns}:v`);
    expect(await store.get(`${ns}:v`)).toBeUndefined();
  });

  it('increments counters atomically under 200 concurrent callers', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, () => store.incr(`${ns}:n`)));
    expect(new Set(results).size).toBe(200);
    expect(Math.max(...results)).toBe(200);
    expect(await store.counter(`${ns}:n`)).toBe(200);
  });

  it('lets exactly one of many concurrent claimers win, and frees the claim on expiry or release', async () => {
    const wins = await Promise.all(Array.from({ length: 50 }, (_, i) => store.claim(`${ns}:c`, 60_000, `o${i}`)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    const winner = `o${wins.indexOf(true)}`;
    await store.release(`${ns}:c`, 'someone-else');
    expect(await store.claim(`${ns}:c`, 60_000, 'late')).toBe(false);
    await store.release(`${ns}:c`, winner);
    expect(await store.claim(`${ns}:c`, 30, 'next')).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(await store.claim(`${ns}:c`, 30, 'after-expiry')).toBe(true);
  });

  it('keeps an inbox of deliveries: a new id is stored as pending, a repeat changes nothing, a processed one is remembered', async () => {
    const id = `${ns}:feishu:command:e1`;
    const add = (text: string, receivedAt: number) => store.inboxAdd({ id, event: { text, nested: { a: [1] } }, receivedAt }, 60_000);
    const first = await Promise.all([add(':starts with a colon', 1000), add('second', 1001)]);
    expect(first.filter(Boolean)).toHaveLength(1);
    const won = first[0] ? ':starts with a colon' : 'second';
    const mine = async (before = 5000) => (await store.inboxPending(1000)).filter((e) => e.id.startsWith(ns) && e.receivedAt <= before);
    expect(await mine()).toEqual([{ id, event: { text: won, nested: { a: [1] } }, receivedAt: first[0] ? 1000 : 1001 }]);
    expect(await mine(999)).toEqual([]);
    expect(await add('third', 1002)).toBe(false);
    await store.inboxRemove(id);
    expect(await mine()).toEqual([]);
    // Processed, but still a duplicate within the dedupe window.
    expect(await add('again', 1003)).toBe(false);
    expect(await mine()).toEqual([]);
    // After the window, the id is new again.
    const short = `${ns}:feishu:command:e2`;
    expect(await store.inboxAdd({ id: short, event: { n: 1 }, receivedAt: 2000 }, 20)).toBe(true);
    await store.inboxRemove(short);
    await new Promise((r) => setTimeout(r, 40));
    expect(await store.inboxAdd({ id: short, event: { n: 2 }, receivedAt: 2001 }, 20)).toBe(true);
    expect((await mine()).map((e) => e.event)).toEqual([{ n: 2 }]);
    await store.inboxRemove(short);
  });

  it('lists pending deliveries oldest first, up to the limit', async () => {
    for (const [i, at] of [[1, 30], [2, 10], [3, 20]] as const) await store.inboxAdd({ id: `${ns}:p${i}`, event: { i }, receivedAt: at }, 60_000);
    const pending = (await store.inboxPending(1000)).filter((e) => e.id.startsWith(`${ns}:p`));
    expect(pending.map((e) => e.id)).toEqual([`${ns}:p2`, `${ns}:p3`, `${ns}:p1`]);
    expect((await store.inboxPending(1)).length).toBe(1);
    for (const i of [1, 2, 3]) await store.inboxRemove(`${ns}:p${i}`);
  });

  it('keeps sorted indexes with score ranges, reverse order, limits and removal', async () => {
    for (const [m, s] of [['a', 3], ['b', 1], ['c', 2], ['d', 10]] as const) await store.zadd(`${ns}:z`, m, s);
    expect((await store.zrange(`${ns}:z`, 1, 3)).map((x) => x.member)).toEqual(['b', 'c', 'a']);
    expect((await store.zrange(`${ns}:z`, -Infinity, Infinity, { reverse: true, limit: 2 })).map((x) => x.member)).toEqual(['d', 'a']);
    await store.zadd(`${ns}:z`, 'b', 20);
    expect(await store.zscore(`${ns}:z`, 'b')).toBe(20);
    await store.zrem(`${ns}:z`, 'd');
    expect(await store.zcard(`${ns}:z`)).toBe(3);
    expect(await store.zscore(`${ns}:z`, 'd')).toBeUndefined();
  });

  it('leaves an existing member where it is when adding only new members', async () => {
    await store.zadd(`${ns}:nx`, 'a', 5);
    await store.zadd(`${ns}:nx`, 'a', 1, { onlyNew: true });
    await store.zadd(`${ns}:nx`, 'b', 2, { onlyNew: true });
    expect(await store.zrange(`${ns}:nx`, -Infinity, Infinity)).toEqual([
      { member: 'b', score: 2 },
      { member: 'a', score: 5 },
    ]);
  });

  it('writes nothing when adding to the inbox fails part-way, so the platform’s retry is taken as new', async () => {
    const id = `${ns}:slack:command:broken`;
    // SQLite, PostgreSQL: the event cannot be serialized; Redis: the script fails at its first write (a score that is not a number).
    const broken = kind !== 'redis' ? { id, event: { big: 1n }, receivedAt: 1 } : { id, event: { ok: true }, receivedAt: Number.NaN };
    await expect(store.inboxAdd(broken, 60_000)).rejects.toThrow();
    expect((await store.inboxPending(1000)).filter((e) => e.id === id)).toEqual([]);
    expect(await store.inboxAdd({ id, event: { ok: true }, receivedAt: 7 }, 60_000)).toBe(true);
    expect((await store.inboxPending(1000)).filter((e) => e.id === id)).toEqual([{ id, event: { ok: true }, receivedAt: 7 }]);
    await store.inboxRemove(id);
  });

  it('gives an effect the same id however often it asks, and every other caller a new one', async () => {
    const ids = await Promise.all([
      ...Array.from({ length: 20 }, () => store.nextId(`${ns}:seq`, `${ns}:effect:d1:ticket:1`)),
      ...Array.from({ length: 20 }, (_, i) => store.nextId(`${ns}:seq`, `${ns}:effect:d${i + 2}:ticket:1`)),
      store.nextId(`${ns}:seq`),
    ]);
    expect(new Set(ids.slice(0, 20)).size).toBe(1);
    expect(new Set(ids).size).toBe(22);
    expect(await store.counter(`${ns}:seq`)).toBe(22);
  });

  it('adds to several hash fields at once, and only once per effect', async () => {
    await Promise.all(Array.from({ length: 10 }, () => store.hincrMany(`${ns}:hm`, { opened: 1, 'sev:S2': 1 }, `${ns}:effect:d1:agg:1`)));
    await store.hincrMany(`${ns}:hm`, { opened: 1, late: 0.5 });
    expect(await store.hgetall(`${ns}:hm`)).toEqual({ opened: 2, 'sev:S2': 1, late: 0.5 });
  });

  it('applies a batch of writes as one unit, readable through the usual calls', async () => {
    await store.zadd(`${ns}:bz`, 'gone', 1);
    await store.set(`${ns}:bv-old`, 'old');
    expect(await store.claim(`${ns}:bl`, 60_000, 'me')).toBe(true);
    const applied = await store.batch([
      { op: 'set', key: `${ns}:bv`, value: { text: ':colon first', n: [1, 2] } },
      { op: 'set', key: `${ns}:bv-ttl`, value: 'short', ttlMs: 30 },
      { op: 'delete', key: `${ns}:bv-old` },
      { op: 'zadd', key: `${ns}:bz`, member: 'a', score: 2 },
      { op: 'zadd', key: `${ns}:bz`, member: 'a', score: 9, onlyNew: true },
      { op: 'zrem', key: `${ns}:bz`, member: 'gone' },
      { op: 'hincr', key: `${ns}:bh`, by: { opened: 1, 'sev:S1': 2 } },
      { op: 'release', key: `${ns}:bl`, owner: 'me' },
    ]);
    expect(applied).toBe(true);
    expect(await store.get(`${ns}:bv`)).toEqual({ text: ':colon first', n: [1, 2] });
    expect(await store.get(`${ns}:bv-old`)).toBeUndefined();
    expect(await store.zrange(`${ns}:bz`, -Infinity, Infinity)).toEqual([{ member: 'a', score: 2 }]);
    expect(await store.hgetall(`${ns}:bh`)).toEqual({ opened: 1, 'sev:S1': 2 });
    expect(await store.claim(`${ns}:bl`, 60_000, 'next')).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(await store.get(`${ns}:bv-ttl`)).toBeUndefined();
  });

  it('applies a batch only once per `once` key, however many callers race', async () => {
    const runs = await Promise.all(Array.from({ length: 10 }, () => store.batch([{ op: 'hincr', key: `${ns}:bo`, by: { n: 1 } }], { once: `${ns}:effect:b1` })));
    expect(runs.filter(Boolean)).toHaveLength(1);
    expect(await store.hgetall(`${ns}:bo`)).toEqual({ n: 1 });
    // `always` writes are applied whether or not the rest is.
    expect(await store.batch([{ op: 'hincr', key: `${ns}:bo`, by: { n: 1 } }], { once: `${ns}:effect:b1`, always: [{ op: 'set', key: `${ns}:latest`, value: 'v2' }] })).toBe(false);
    expect(await store.get(`${ns}:latest`)).toBe('v2');
    expect(await store.hgetall(`${ns}:bo`)).toEqual({ n: 1 });
  });

  it('applies a batch that expects a revision only while the value still has it', async () => {
    const key = `${ns}:rev`;
    await store.batch([{ op: 'set', key, value: { rev: 1, text: 'first' } }], { expect: { key, rev: 0 } });
    await expect(store.batch([{ op: 'set', key, value: { rev: 1, text: 'lost update' } }], { expect: { key, rev: 0 } })).rejects.toBeInstanceOf(StaleRevisionError);
    await store.batch([{ op: 'set', key, value: { rev: 2, text: 'second' } }], { expect: { key, rev: 1 } });
    expect(await store.get(key)).toEqual({ rev: 2, text: 'second' });
    // Ten writers read revision 2 at once: one wins, nine are told to read again.
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.batch([{ op: 'set', key, value: { rev: 3, text: `w${i}` } }], { expect: { key, rev: 2 } })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof StaleRevisionError)).toHaveLength(9);
  });

  it('purges what has expired and keeps what is live or still pending', async () => {
    await store.claim(`${ns}:purge:short`, 20);
    await store.claim(`${ns}:purge:long`, 60_000);
    await store.set(`${ns}:purge:value-short`, 'v', 20);
    await store.set(`${ns}:purge:value-long`, 'v', 60_000);
    await store.inboxAdd({ id: `${ns}:purge:done`, event: { n: 1 }, receivedAt: 1 }, 20);
    await store.inboxRemove(`${ns}:purge:done`);
    await store.inboxAdd({ id: `${ns}:purge:pending`, event: { n: 2 }, receivedAt: 2 }, 20);
    await new Promise((r) => setTimeout(r, 40));
    const purged = await store.purgeExpired();
    if (kind !== 'redis') expect(purged).toBeGreaterThanOrEqual(3);
    expect(await store.claim(`${ns}:purge:long`, 60_000)).toBe(false);
    expect(await store.get(`${ns}:purge:value-long`)).toBe('v');
    expect(await store.get(`${ns}:purge:value-short`)).toBeUndefined();
    expect((await store.inboxPending(1000)).map((e) => e.id)).toContain(`${ns}:purge:pending`);
    await store.inboxRemove(`${ns}:purge:pending`);
  });

  it('adds to hash fields atomically', async () => {
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.hincr(`${ns}:h`, i % 2 ? 'odd' : 'even', 1)));
    await store.hincr(`${ns}:h`, 'sum', 2.5);
    expect(await store.hgetall(`${ns}:h`)).toEqual({ odd: 50, even: 50, sum: 2.5 });
  });
});
