import { describe, expect, it } from 'vitest';
import { keys } from '../../src/core/keys.js';
import { freshPostgresUrl, tempSqliteUrl, testPostgresUrl, testRedisUrl } from '../helpers/env.js';
import { createHarness, flushRedis } from '../helpers/harness.js';

const redis = testRedisUrl();
const stores: Array<[string, () => string | Promise<string>]> = [['SQLite', () => tempSqliteUrl('burst')]];
if (redis) stores.push(['Redis', () => {
  const url = `${redis.replace(/\/\d*$/, '')}/5`;
  flushRedis(url);
  return url;
}]);
if (testPostgresUrl()) stores.push(['PostgreSQL', () => freshPostgresUrl('burst')]);

describe.each(stores)('200 /issue commands at once on %s', (_name, url) => {
  it('create SUP-1…SUP-200 with no gap or repeat, each in its organisation index', async () => {
    const h = await createHarness({ storeUrl: await url() });
    try {
      await h.run('root', 'support-acme', '/aftercare org acme');
      await h.run('root', 'support-globex', '/aftercare org globex');
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) => h.run(`user${i}`, i % 2 ? 'support-acme' : 'support-globex', `/issue Burst problem ${i} sev:S${(i % 4) + 1}`)),
      );
      const ids = replies.map((r) => /SUP-(\d+)/.exec(r.messages[0]!.text)?.[1]).map(Number).sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      const acme = await h.store.zrange(keys.ticketsOrg('acme'), -Infinity, Infinity);
      const globex = await h.store.zrange(keys.ticketsOrg('globex'), -Infinity, Infinity);
      expect(acme).toHaveLength(100);
      expect(globex).toHaveLength(100);
      const stored = await h.store.getMany<{ id: string; org: string; title: string }>(ids.map((n) => keys.ticket(`SUP-${n}`)));
      for (const t of stored) {
        const i = Number(/problem (\d+)/.exec(t!.title)![1]);
        expect(t!.org).toBe(i % 2 ? 'acme' : 'globex');
        expect((i % 2 ? acme : globex).some((m) => m.member === t!.id)).toBe(true);
      }
      expect((await h.store.hgetall(keys.aggOpen())).total).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('acks one ticket from 20 engineers at once exactly once', async () => {
    const h = await createHarness({ storeUrl: await url() });
    try {
      await h.run('root', 'support-acme', '/aftercare org acme');
      await h.run('alice', 'support-acme', '/issue Race me');
      for (let i = 0; i < 20; i++) await h.grant(`eng${i}`, 'engineer');
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => h.click(`eng${i}`, 'engineering', 'issue.ack', 'SUP-1')));
      expect(replies.filter((r) => r.replace)).toHaveLength(1);
      expect(replies.filter((r) => r.messages[0]?.text.includes('already acknowledged'))).toHaveLength(19);
      const t = await h.services.tickets.get('SUP-1');
      expect(t.timeline.filter((e) => e.kind === 'acknowledged')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
