import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createStandardHarness, type Harness } from '../helpers/harness.js';
import { tempSqliteUrl } from '../helpers/env.js';

const COMMANDS = Number(process.env.AFTERCARE_DB_SIZE_COMMANDS ?? 20_000);
/** One command in this many files a ticket (and the next comments on it); the rest are reads. */
const WRITE_EVERY = Number(process.env.AFTERCARE_DB_SIZE_WRITE_EVERY ?? 20);
const MB = 1024 * 1024;
const size = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

let h: Harness | undefined;
afterAll(async () => {
  vi.useRealTimers();
  await h?.close();
});

/**
 * The database grows with what is live, not with history: after 20,000 commands (tickets filed,
 * comments, FAQ questions, lists, each remembered as a delivery for its dedupe window) and the
 * purge past that window, nothing expired is left, and the WAL never exceeded 64 MB.
 */
describe('the SQLite database under sustained commands', () => {
  it(`keeps the WAL under 64 MB through ${COMMANDS} commands, and the purge leaves no expired row`, async () => {
    const url = tempSqliteUrl('db-size');
    const path = url.replace('sqlite://', '');
    h = await createStandardHarness({ storeUrl: url });
    let walMax = 0;
    const started = performance.now();
    let filed = 0;
    for (let i = 0; i < COMMANDS; i++) {
      // The harness's clock paces the outbox: 100 ms a command (its rate budget refills).
      h.advance(100);
      // One command in WRITE_EVERY files a ticket, the next comments on it; the rest read (every
      // command, read or write, is remembered as a delivery for its dedupe window).
      const n = i % WRITE_EVERY;
      if (n === 0) {
        await h.run('alice', 'support-acme', `/issue Report ${i} about the invoices${i % 2 ? ' system:crm' : ''}`);
        filed++;
      } else if (n === 1) await h.run('alice', 'support-acme', `/issue comment SUP-${filed} still happening (${i})`);
      else if (n % 4 === 0) await h.run('alice', 'support-acme', `/faq how do I export invoices ${i}`);
      else if (n % 4 === 1) await h.run('alice', 'support-acme', `/issue show SUP-${filed}`);
      else if (n % 4 === 2) await h.run('alice', 'support-acme', '/backup-status');
      else await h.run('bob', 'engineering', '/issue list open');
      if (i % 1000 === 999) {
        await h.services.outbox.drain(120_000);
        walMax = Math.max(walMax, size(`${path}-wal`));
      }
    }
    await h.services.outbox.drain(120_000);
    const seconds = (performance.now() - started) / 1000;
    const before = { db: size(path), wal: size(`${path}-wal`) };
    walMax = Math.max(walMax, before.wal);

    // The purge runs "49 hours later" (past the 48 h dedupe window): only Date is faked, for it.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 49 * 3600_000);
    let purged = 0;
    for (let n = await h.store.purgeExpired(); n > 0; n = await h.store.purgeExpired()) purged += n;
    const after = { db: size(path), wal: size(`${path}-wal`) };
    console.log(
      `db size: ${COMMANDS} commands (${filed} tickets filed) in ${seconds.toFixed(1)} s; database ${(before.db / MB).toFixed(1)} MB ` +
        `(${((before.db / MB) * (10_000 / COMMANDS)).toFixed(1)} MB per 10,000 commands), WAL at most ${(walMax / MB).toFixed(1)} MB; ` +
        `purge 49 h later removed ${purged} rows, WAL after it ${(after.wal / MB).toFixed(1)} MB`,
    );
    expect(walMax).toBeLessThan(64 * MB);
    expect(after.wal).toBe(0);
    expect(purged).toBeGreaterThanOrEqual(COMMANDS);
    // Nothing expired is left: remembered deliveries, claims, values past their TTL.
    const db = new Database(path, { readonly: true });
    try {
      const now = Date.now();
      const count = (sql: string) => (db.prepare(sql).get(now) as { n: number }).n;
      expect(count('SELECT count(*) AS n FROM ac_delivery WHERE event IS NULL AND expires <= ?')).toBe(0);
      expect(count('SELECT count(*) AS n FROM ac_claim WHERE expires <= ?')).toBe(0);
      expect(count("SELECT count(*) AS n FROM keyv WHERE json_extract(value, '$.expires') <= ?")).toBe(0);
      expect((db.prepare('SELECT count(*) AS n FROM ac_delivery').get() as { n: number }).n).toBe(0);
      const pages = (name: string) => Number(db.pragma(name, { simple: true }));
      const live = (pages('page_count') - pages('freelist_count')) * pages('page_size');
      console.log(`db size after the purge: ${(live / MB).toFixed(1)} MB in use, the rest free pages for later writes`);
    } finally {
      db.close();
      vi.useRealTimers();
    }
    // What is live is still there.
    expect((await h.services.tickets.list({ status: 'all' })).total).toBe(filed);
  }, 300_000);
});
