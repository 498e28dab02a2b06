import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/log.js';
import { FakeConnector, type ConnectorCall } from './fake-connector.js';
import { postActivity } from './module-server.js';
import { ADMIN, commandMessage, textOf } from './teams-activities.js';

/**
 * Wire tests of in-turn replies when the Bot Connector is busy: the real server (startApp, real
 * outbox on a temp SQLite), the real botbuilder CloudAdapter, Teams-shaped activities over HTTP on
 * loopback, and only the Bot Connector faked. A reply the connector refuses with 429/503 is tried
 * once in the turn, then handed to the durable outbox, which delivers it exactly once.
 */
const tmp = mkdtempSync(join(tmpdir(), 'teams-reply-outbox-'));
const connector = new FakeConnector();
let app: RunningApp;
const logs: string[] = [];
const HELP = 'Aftercare keeps your delivered systems healthy';

/** A fresh channel per test, so scripted failures and counts never mix between tests. */
let channels = 0;
const newChannel = () => `19:reply-outbox-${++channels}@thread.tacv2`;
const inConversation = (id: string) => (c: ConnectorCall) => c.conversationId === id;
const helpIn = (id: string) => (c: ConnectorCall) => inConversation(id)(c) && textOf(c).includes(HELP);
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Posts `aftercare help` as a new post in `channel`; returns the activity and the HTTP answer. */
async function askForHelp(channel: string) {
  const activity = commandMessage(connector.url, ADMIN, channel, 'aftercare help');
  const res = await postActivity(app.url, activity);
  return { activity, res };
}

beforeAll(async () => {
  await connector.start();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    AFTERCARE_STORE: `sqlite://${join(tmp, 'aftercare.sqlite')}`,
    AFTERCARE_PLAYGROUND: 'off',
    TEAMS_ENABLED: 'true',
  });
  app = await startApp(config, { log: createLogger({ level: 'debug', sink: (l) => logs.push(l) }) });
});

afterAll(async () => {
  await app?.stop();
  await connector.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('Teams in-turn replies when the Bot Connector is busy (running server, fake connector)', () => {
  it('replies once, in the turn, as a reply to the message when the connector is healthy', async () => {
    const channel = newChannel();
    const { activity, res } = await askForHelp(channel);
    expect(res.status).toBe(200);
    await connector.waitUntil((calls) => calls.some(helpIn(activity.conversation.id)), 8000, 'healthy reply');
    await settle(600);
    const replies = connector.calls.filter(helpIn(activity.conversation.id));
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ method: 'POST', activityId: activity.id }); // replyToActivity on the turn
    expect(await app.outbox.pending()).toBe(0);
  });

  it.each([
    { status: 429, headers: { 'retry-after': '1' } as Record<string, string>, label: '429 with Retry-After' },
    { status: 503, headers: undefined, label: '503 without Retry-After' },
  ])('delivers a reply exactly once after the connector answers $label three times', async ({ status, headers }) => {
    const channel = newChannel();
    const activity = commandMessage(connector.url, ADMIN, channel, 'aftercare help');
    const thread = activity.conversation.id;
    // Every send into this thread fails three times, whoever makes it (the turn or the outbox).
    connector.failNext(3, status, headers, (path) => path.includes(`/v3/conversations/${thread}/activities`));
    const failedBefore = connector.failed.length;

    const res = await postActivity(app.url, activity);
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(2000); // acknowledged without waiting for the connector

    await connector.waitUntil((calls) => calls.some(helpIn(thread)), 15_000, `reply after ${status}s`);
    await settle(1500); // long enough for a second copy from either path to show up
    const failures = connector.failed.slice(failedBefore);
    expect(failures.map((f) => f.status)).toEqual([status, status, status]);
    // One attempt in the turn (replyToActivity: the activity id in the path), then the outbox's sends.
    expect(failures[0]!.path.endsWith(`/activities/${activity.id}`)).toBe(true);
    expect(failures.slice(1).every((f) => f.path.endsWith('/activities'))).toBe(true);

    const delivered = connector.calls.filter(helpIn(thread));
    expect(delivered).toHaveLength(1);
    // Sent into the same channel thread, as a new message from the bot (the outbox posts, it does not reply).
    expect(delivered[0]).toMatchObject({ method: 'POST', conversationId: thread, body: { from: { id: activity.recipient.id } } });
    expect(delivered[0]!.activityId).toBeUndefined();
    expect(connector.calls.filter(inConversation(thread))).toHaveLength(1);
    expect(await app.outbox.pending()).toBe(0);
    expect(logs.some((l) => l.includes('handed to the outbox') && l.includes(String(status)))).toBe(true);
  }, 25_000);
});
