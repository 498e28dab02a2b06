import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/state/store.js';
import { yieldingStore } from '../../src/state/yielding-store.js';
import { createAckGate } from '../../src/core/ack-gate.js';
import { tempSqliteUrl } from '../helpers/env.js';

const fileOf = (url: string) => url.replace('sqlite://', '');

describe('the SQLite store', () => {
  it('commits a turn of writes together: another connection sees them after flush, not before', async () => {
    const url = tempSqliteUrl('group');
    const store = await openStore(url);
    const other = new Database(fileOf(url), { readonly: true });
    const count = () => (other.prepare("SELECT COUNT(*) AS c FROM ac_zset WHERE key = 'idx:group'").get() as { c: number }).c;
    for (let i = 0; i < 5; i++) await store.zadd('idx:group', `m${i}`, i);
    // Same turn, no flush yet: this process sees the writes, the other connection does not.
    expect(await store.zcard('idx:group')).toBe(5);
    expect(count()).toBe(0);
    await store.flush();
    expect(count()).toBe(5);
    other.close();
    await store.close();
  });

  it('commits at the end of the turn without a flush', async () => {
    const url = tempSqliteUrl('turn');
    const store = await openStore(url);
    await store.set('k', 'v');
    await new Promise((r) => setImmediate(r));
    const other = new Database(fileOf(url), { readonly: true });
    expect(other.prepare("SELECT COUNT(*) AS c FROM keyv WHERE key = 'aftercare:k'").get()).toEqual({ c: 1 });
    other.close();
    await store.close();
  });

  it('keeps everything written before close across a reopen', async () => {
    const url = tempSqliteUrl('reopen');
    const first = await openStore(url);
    await first.set('ticket', { id: 'SUP-1' });
    await first.hincr('agg', 'opened', 2);
    await first.close();
    const second = await openStore(url);
    expect(await second.get('ticket')).toEqual({ id: 'SUP-1' });
    expect(await second.hgetall('agg')).toEqual({ opened: 2 });
    await second.close();
  });

  it('checkpoints the WAL on its worker thread, so it does not grow with the writes', async () => {
    const url = tempSqliteUrl('checkpoint');
    const store = await openStore(url);
    const pending = () => {
      const probe = new Database(fileOf(url));
      // A PASSIVE checkpoint reports the frames in the WAL and how many are already in the database.
      const [row] = probe.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
      probe.close();
      return row!;
    };
    for (let i = 0; i < 2000; i++) await store.set(`v${i}`, { i, pad: 'x'.repeat(200) });
    await store.flush();
    await new Promise((r) => setTimeout(r, 600));
    const after = pending();
    expect(after.log).toBeGreaterThan(0);
    expect(after.checkpointed).toBe(after.log);
    await store.close();
  });

  it('lets waiting callbacks run during a long stretch of store calls made through the yielding view', async () => {
    const store = await openStore(tempSqliteUrl('yield'));
    const view = yieldingStore(store, 0.5);
    await store.set('k', 1);
    let callsWhenImmediateRan = -1;
    let calls = 0;
    setImmediate(() => {
      callsWhenImmediateRan = calls;
    });
    const started = performance.now();
    while (performance.now() - started < 30) {
      await view.get('k');
      calls++;
    }
    expect(callsWhenImmediateRan).toBeGreaterThan(0);
    expect(callsWhenImmediateRan).toBeLessThan(calls);
    // Without the view the same loop never lets the immediate in (synchronous driver).
    let ranDuringRaw = false;
    setImmediate(() => {
      ranDuringRaw = true;
    });
    const rawStart = performance.now();
    while (performance.now() - rawStart < 10) await store.get('k');
    expect(ranDuringRaw).toBe(false);
    await store.close();
  });

  it('holds background store calls while an ack is in flight, and lets them go when it has been answered', async () => {
    const store = await openStore(tempSqliteUrl('priority'));
    const acks = createAckGate();
    const view = yieldingStore(store, 0.5, acks);
    acks.enter();
    let written = false;
    const work = view.set('k', 'v').then(() => (written = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(written).toBe(false);
    expect(await store.get('k')).toBeUndefined();
    acks.leave();
    await work;
    expect(await store.get('k')).toBe('v');
    // A steady stream of acks never starves the work: it goes on after at most 50 ms.
    acks.enter();
    const started = performance.now();
    await view.set('k', 'w');
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(await store.get('k')).toBe('w');
    acks.leave();
    await store.close();
  });

  it('moves the inbox of an older database (claims, Keyv values, sorted index) into its table at open', async () => {
    const url = tempSqliteUrl('legacy-inbox');
    const old = await openStore(url);
    // What earlier versions wrote on the ack path.
    await old.claim('delivery:feishu:command:done', 60_000);
    await old.claim('delivery:feishu:command:pending', 60_000);
    await old.set('inbox:feishu:command:pending', { id: 'pending', text: ':colon first' });
    await old.zadd('idx:inbox', 'feishu:command:pending', 1234);
    await old.claim('hook:alertmanager:id:x', 60_000);
    await old.flush();
    await old.close();

    const store = await openStore(url);
    expect(await store.inboxPending(Date.now(), 10)).toEqual([
      { id: 'feishu:command:pending', event: { id: 'pending', text: ':colon first' }, receivedAt: 1234 },
    ]);
    // Both ids are still duplicates; other claims are untouched.
    expect(await store.inboxAdd({ id: 'feishu:command:done', event: {}, receivedAt: 1 }, 60_000)).toBe(false);
    expect(await store.inboxAdd({ id: 'feishu:command:pending', event: {}, receivedAt: 1 }, 60_000)).toBe(false);
    expect(await store.claim('hook:alertmanager:id:x', 60_000)).toBe(false);
    expect(await store.get('inbox:feishu:command:pending')).toBeUndefined();
    expect(await store.zcard('idx:inbox')).toBe(0);
    await store.close();
  });
});
