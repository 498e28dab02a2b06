import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateStore } from '../../src/core/store.js';
import { openStore } from '../../src/state/store.js';
import { tempSqliteUrl, testRedisUrl } from '../helpers/env.js';

const redisUrl = testRedisUrl();
const backends: Array<[string, () => string]> = [['sqlite', () => tempSqliteUrl('contract')]];
if (redisUrl) backends.push(['redis', () => redisUrl]);

describe.each(backends)('the %s store', (kind, url) => {
  let store: StateStore;
  const ns = `t${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  beforeAll(async () => {
    store = await openStore(url());
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

  it('claims and queues in one step: the first caller writes the item and its index entry, a repeat writes nothing', async () => {
    const step = (value: unknown, score: number) =>
      store.claimAndQueue({ key: `${ns}:q-claim`, ttlMs: 60_000 }, { key: `${ns}:q-item`, value }, { key: `${ns}:q-idx`, member: 'e1', score });
    const first = await Promise.all([step({ text: ':starts with a colon', n: 1 }, 5), step({ text: 'second' }, 9)]);
    expect(first.filter(Boolean)).toHaveLength(1);
    await store.flush();
    const won = first[0] ? { text: ':starts with a colon', n: 1 } : { text: 'second' };
    // Read back through the ordinary API: the item is a Keyv value like any `set`.
    expect(await store.get(`${ns}:q-item`)).toEqual(won);
    expect(await store.zrange(`${ns}:q-idx`, -Infinity, Infinity)).toEqual([{ member: 'e1', score: first[0] ? 5 : 9 }]);
    expect(await step({ text: 'third' }, 1)).toBe(false);
    expect(await store.get(`${ns}:q-item`)).toEqual(won);
    expect(await store.zscore(`${ns}:q-idx`, 'e1')).toBe(first[0] ? 5 : 9);
    // The claim is an ordinary claim: released, the next delivery is taken again.
    await store.release(`${ns}:q-claim`);
    expect(await step({ text: 'after release' }, 2)).toBe(true);
    expect(await store.get(`${ns}:q-item`)).toEqual({ text: 'after release' });
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

  it('resolves flush once the writes before it are durable', async () => {
    await store.set(`${ns}:durable`, { n: 1 });
    await store.incr(`${ns}:durable-n`);
    await expect(store.flush()).resolves.toBeUndefined();
    await expect(store.flush()).resolves.toBeUndefined();
  });

  it('adds to hash fields atomically', async () => {
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.hincr(`${ns}:h`, i % 2 ? 'odd' : 'even', 1)));
    await store.hincr(`${ns}:h`, 'sum', 2.5);
    expect(await store.hgetall(`${ns}:h`)).toEqual({ odd: 50, even: 50, sum: 2.5 });
  });
});
