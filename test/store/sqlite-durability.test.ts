import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/state/store.js';
import { tempSqliteUrl } from '../helpers/env.js';

const fileOf = (url: string) => url.replace('sqlite://', '');

describe('the SQLite store', () => {
  it('has committed every write by the time the call resolves: another connection sees it at once', async () => {
    const url = tempSqliteUrl('autocommit');
    const store = await openStore(url);
    const other = new Database(fileOf(url), { readonly: true });
    await store.set('k', 'v');
    await store.zadd('idx:seen', 'm', 1);
    await store.hincrMany('agg', { a: 1, b: 2 });
    expect(other.prepare("SELECT COUNT(*) AS c FROM keyv WHERE key = 'aftercare:k'").get()).toEqual({ c: 1 });
    expect(other.prepare("SELECT COUNT(*) AS c FROM ac_zset WHERE key = 'idx:seen'").get()).toEqual({ c: 1 });
    expect(other.prepare("SELECT SUM(n) AS n FROM ac_hash WHERE key = 'agg'").get()).toEqual({ n: 3 });
    other.close();
    await store.close();
  });

  it('runs in WAL mode with synchronous=NORMAL and SQLite’s own autocheckpoint', async () => {
    const url = tempSqliteUrl('pragmas');
    const store = await openStore(url);
    await store.set('k', 'v');
    const probe = new Database(fileOf(url));
    expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(probe.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    probe.close();
    await store.close();
  });

  it('keeps everything written before close across a reopen', async () => {
    const url = tempSqliteUrl('reopen');
    const first = await openStore(url);
    await first.set('ticket', { id: 'SUP-1' });
    await first.hincr('agg', 'opened', 2);
    await first.inboxAdd({ id: 'slack:command:t1', event: { text: 'pending' }, receivedAt: 5 }, 60_000);
    await first.close();
    const second = await openStore(url);
    expect(await second.get('ticket')).toEqual({ id: 'SUP-1' });
    expect(await second.hgetall('agg')).toEqual({ opened: 2 });
    expect(await second.inboxPending(10)).toEqual([{ id: 'slack:command:t1', event: { text: 'pending' }, receivedAt: 5 }]);
    await second.close();
  });
});
