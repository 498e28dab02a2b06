import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { startApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { keys } from '../../src/core/keys.js';
import { freshPostgresUrl, memoryLogger, tempSqliteUrl, testPostgresUrl, testRedisUrl } from '../helpers/env.js';
import { createHarness, createStandardHarness, flushRedis } from '../helpers/harness.js';
import { feed } from '../hooks/support.js';

const run = promisify(execFile);

async function start(storeUrl: string): Promise<RunningApp> {
  return startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: storeUrl, AFTERCARE_PLAYGROUND: 'on', AFTERCARE_ADMINS: 'playground:root' }), { log: memoryLogger() });
}

/** One playground event over HTTP, as the page sends it; resolves when the bot has answered. */
async function say(app: RunningApp, user: string, role: string, channel: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${app.url}/playground/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, role, lang: 'en', channel, ...body }),
  });
  expect(res.status).toBe(200);
}

/**
 * What a person sees of the deployment: replies to read-only commands, as text.
 * `/issue show` adds a ticket's live card to a conversation that does not show it yet, so look from a
 * conversation that has not looked before to see the cards themselves.
 */
async function looks(app: RunningApp, channel: string): Promise<string[]> {
  const seen: string[] = [];
  for (const [user, role, text] of [
    ['root', 'admin', '/issue list all'],
    ['root', 'admin', '/issue show SUP-1'],
    ['root', 'admin', '/issue show SUP-2'],
    ['root', 'admin', '/survey results'],
    ['root', 'admin', '/aftercare audit 50'],
  ] as const) {
    const earlier = new Set((await feed(app, channel)).map((m) => m.id));
    await say(app, user, role, channel, { kind: 'command', text });
    // A live card reaches the conversation through the outbox, after the answer.
    await app.outbox.drain();
    // The reply's messages and cards, as the page shows them (times and message ids aside).
    seen.push((await feed(app, channel)).filter((m) => !earlier.has(m.id)).map((m) => `${m.text}\n${m.html}`).join('\n---\n'));
  }
  return seen;
}

describe.runIf(testPostgresUrl())('npm run store:copy', () => {
  it('moves a playground session from SQLite to PostgreSQL: the bot started there shows the same tickets, surveys and audit log', async () => {
    const sqlite = tempSqliteUrl('session');
    const before = await start(sqlite);
    let shown: string[];
    try {
      // A customer may only name one of their organisation's systems, which an admin sets.
      await say(before, 'root', 'admin', 'support-acme', { kind: 'command', text: '/aftercare org acme systems:crm' });
      await say(before, 'carol', 'customer', 'support-acme', { kind: 'command', text: '/issue Export times out sev:S2 system:crm' });
      await say(before, 'carol', 'customer', 'support-acme', { kind: 'command', text: '/issue 登录页面空白 sev:S3' });
      await say(before, 'bob', 'engineer', 'engineering', { kind: 'command', text: '/issue ack SUP-1' });
      await say(before, 'bob', 'engineer', 'engineering', { kind: 'command', text: '/issue resolve SUP-1 fixed-in:1.2.3 cause:code the export is paged now' });
      // The resolution sends carol a CSAT survey card; she answers it with its "5" button.
      const card = await (async () => {
        for (let i = 0; i < 100; i++) {
          const found = (await feed(before, 'support-acme')).flatMap((m) => [...m.html.matchAll(/data-action="survey.answer" data-value="([^"]+:5)"/g)].map((x) => x[1]!));
          if (found.length) return found[0]!;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('no survey card');
      })();
      await say(before, 'carol', 'customer', 'support-acme', { kind: 'action', actionId: 'survey.answer', value: card });
      shown = await looks(before, 'ops');
    } finally {
      await before.stop();
    }
    expect(shown[0]).toContain('SUP-2');
    expect(shown[3]).toMatch(/5/);
    expect(shown[4]).toContain('survey.answered');

    const postgres = await freshPostgresUrl('copy');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/store-copy.ts', '--', sqlite, postgres]);
    expect(stdout).toMatch(/value\s+(\d+) copied\s+\1 found/);
    expect(stdout).toMatch(/zset\s+(\d+) copied\s+\1 found/);
    expect(stdout).toMatch(/spot check: [1-9]\d* records read the same/);

    const after = await start(postgres);
    try {
      expect(after.store.kind).toBe('postgres');
      expect(await looks(after, 'ops-after-copy')).toEqual(shown);
      // Which conversation shows which live card moved too: in ops, SUP-1's card is already there.
      const earlier = new Set((await feed(after, 'ops')).map((m) => m.id));
      await say(after, 'root', 'admin', 'ops', { kind: 'command', text: '/issue show SUP-1' });
      expect((await feed(after, 'ops')).filter((m) => !earlier.has(m.id)).map((m) => m.text)).toContain(
        'SUP-1: its card in this conversation is kept up to date; it now shows the current state.',
      );
      // And it goes on where the other left off: the next ticket is SUP-3.
      await say(after, 'carol', 'customer', 'support-acme', { kind: 'command', text: '/issue Printer jams' });
      expect((await feed(after, 'support-acme')).at(-1)!.text).toContain('SUP-3');
    } finally {
      await after.stop();
    }
  });

  it('refuses a target that already holds state, and a source that does not exist', async () => {
    const postgres = await freshPostgresUrl('copy_full');
    const app = await start(postgres);
    await say(app, 'root', 'admin', 'support-acme', { kind: 'command', text: '/aftercare org acme' });
    await app.stop();
    const sqlite = tempSqliteUrl('empty');
    const empty = await start(sqlite);
    await empty.stop();
    await expect(run(process.execPath, ['--import', 'tsx', 'scripts/store-copy.ts', '--', sqlite, postgres])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/already holds aftercare state; copy into an empty database/) });
    await expect(run(process.execPath, ['--import', 'tsx', 'scripts/store-copy.ts', '--', 'sqlite:///nonexistent/x.sqlite', postgres])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/there is no SQLite database at \/nonexistent\/x.sqlite/) });
  });
});

describe.runIf(testPostgresUrl() && testRedisUrl())('npm run store:copy from Redis', () => {
  it('moves tickets, indexes, aggregates, pending deliveries and claims from Redis to PostgreSQL', async () => {
    const redis = `${testRedisUrl()!.replace(/\/\d*$/, '')}/6`;
    flushRedis(redis);
    const h = await createStandardHarness({ storeUrl: redis });
    let before: { list: unknown; show: unknown; open: Record<string, number>; audit: unknown };
    try {
      await h.run('alice', 'support-acme', '/issue Export times out sev:S2 system:crm');
      await h.run('alice', 'support-acme', '/issue 登录页面空白 sev:S3');
      await h.run('bob', 'engineering', '/issue ack SUP-1');
      await h.drain();
      // A delivery accepted but not processed, and a lock held: both must survive the move.
      await h.store.inboxAdd({ id: 'slack:command:pending-1', event: { text: 'pending' }, receivedAt: 42 }, 60_000);
      await h.store.claim('lock:copy-test', 60_000, 'holder');
      before = {
        list: await h.services.tickets.list({ status: 'all' }),
        show: await h.services.tickets.get('SUP-1'),
        open: await h.store.hgetall(keys.aggOpen()),
        audit: await h.services.audit.latest(50),
      };
    } finally {
      await h.close();
    }
    const postgres = await freshPostgresUrl('copy_redis');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/store-copy.ts', '--', redis, postgres]);
    expect(stdout).toMatch(/delivery\s+[1-9]\d* copied/);
    const after = await createHarness({ storeUrl: postgres });
    try {
      expect(after.store.kind).toBe('postgres');
      expect(await after.services.tickets.list({ status: 'all' })).toEqual(before.list);
      expect(await after.services.tickets.get('SUP-1')).toEqual(before.show);
      expect(await after.store.hgetall(keys.aggOpen())).toEqual(before.open);
      expect(await after.services.audit.latest(50)).toEqual(before.audit);
      expect((await after.store.inboxPending(10)).map((e) => e.id)).toEqual(['slack:command:pending-1']);
      expect(await after.store.claim('lock:copy-test', 60_000, 'other')).toBe(false);
      // Ids continue where Redis left off.
      expect((await after.run('alice', 'support-acme', '/issue Printer jams')).messages[0]!.text).toContain('SUP-3');
    } finally {
      await after.close();
    }
  });
});
