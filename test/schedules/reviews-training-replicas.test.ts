import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/log.js';
import { feed, freePort, waitFor } from '../hooks/support.js';

/**
 * Three replicas of aftercare on one Redis, sharing a fixed clock: a document review that falls
 * due is one card to its owner, whichever replicas poll the stored timers and however often.
 */
let redisUrl: string;
let ownRedis: string | undefined;
/**
 * The replicas' clock: set to a fixed instant by the test, then running on from there (the outbox
 * paces a conversation's pushes in time, so a clock that never moves would hold them forever).
 */
let offset = Date.parse('2026-11-24T10:00:00Z') - Date.now();
const clock = {
  now: () => Date.now() + offset,
  set(iso: string) {
    offset = Date.parse(iso) - Date.now();
  },
  advance(ms: number) {
    offset += ms;
  },
};
const replicas: RunningApp[] = [];
const DAY = 86_400_000;

beforeAll(async () => {
  const base = process.env.AFTERCARE_TEST_REDIS_URL;
  if (base) redisUrl = `${base.replace(/\/\d*$/, '')}/12`;
  else {
    const port = await freePort();
    ownRedis = mkdtempSync(join(tmpdir(), 'aftercare-redis-'));
    execFileSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', ownRedis, '--daemonize', 'yes', '--pidfile', join(ownRedis, 'redis.pid')]);
    redisUrl = `redis://127.0.0.1:${port}/0`;
    await waitFor(async () => {
      try {
        return execFileSync('redis-cli', ['-u', redisUrl, 'ping'], { encoding: 'utf8' }).includes('PONG');
      } catch {
        return false;
      }
    });
  }
  execFileSync('redis-cli', ['-u', redisUrl, 'flushdb']);
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: redisUrl, AFTERCARE_PLAYGROUND: 'on', AFTERCARE_TIMER_POLL_MS: '3600000' });
  for (let i = 0; i < 3; i++) replicas.push(await startApp(config, { now: clock.now, log: createLogger({ level: 'error', sink: () => undefined }) }));
}, 30_000);

afterAll(async () => {
  for (const r of replicas) await r.stop();
  if (ownRedis) process.kill(Number(readFileSync(join(ownRedis, 'redis.pid'), 'utf8').trim()));
});

async function play(app: RunningApp, channel: string, text: string, as: { user: string; role: string } = { user: 'bob', role: 'engineer' }, action?: { actionId: string; value: string }) {
  const event = action ? { kind: 'action', ...action } : { kind: 'command', text };
  const res = await fetch(`${app.url}/playground/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: as.user, name: as.user, role: as.role, lang: 'en', channel, ...event }),
  });
  expect(res.status).toBe(200);
}

/** Every replica polls the stored timers twice, concurrently, and their outboxes drain. */
async function pollEverywhere(): Promise<void> {
  await Promise.all([...replicas, ...replicas].map((r) => r.pollTimers()));
  await Promise.all(replicas.map((r) => r.outbox.drain()));
}

describe('document reviews and training across replicas', () => {
  it('sends exactly one review card to the owner when a 30-day review falls due, with three replicas polling one Redis', async () => {
    const [a, b, c] = replicas as [RunningApp, RunningApp, RunningApp];
    // Bob registers the manual from his direct chat with the bot (where the review card will reach him).
    await play(a, 'dm-bob', '/docs add crm manual https://docs.example.com/crm/manual review:30');
    const doc = await a.services.docs.get('DOC-1');
    expect(doc).toMatchObject({ owner: 'playground:bob', reviewDays: 30 });
    const cards = async () => (await feed(a, 'dm-bob')).filter((m) => m.text.includes('is due for review'));

    // A day early: nothing is due.
    clock.advance(29 * DAY);
    await Promise.all(replicas.map((r) => r.pollTimers()));
    expect(await cards()).toHaveLength(0);

    clock.advance(DAY + 1000);
    const ran = await Promise.all([a, b, c, a, b, c].map((r) => r.pollTimers()));
    expect(ran.reduce((n, x) => n + x, 0)).toBe(1);
    await Promise.all(replicas.map((r) => r.outbox.drain()));
    await waitFor(async () => (await cards()).length > 0);
    await Promise.all(replicas.map((r) => r.pollTimers()));
    await Promise.all(replicas.map((r) => r.outbox.drain()));
    const sent = await cards();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain('DOC-1');
    const audit = await a.services.audit.latest(50);
    expect(audit.filter((e) => e.action === 'doc.review_due' && e.target === 'DOC-1')).toHaveLength(1);
  }, 60_000);

  it('invites to a session tomorrow 10:00, reminds each attendee once a day and 15 minutes before, then asks both for a rating that the digest reports', async () => {
    const [a, b, c] = replicas as [RunningApp, RunningApp, RunningApp];
    // Later than the first test's clock: a clock going back would hold the outbox's paced pushes.
    clock.set('2027-01-04T08:00:00Z');
    await play(b, 'engineering', '/training schedule acme 2027-01-05 10:00 Month-end reporting online url:https://meet.example.com/crm');
    const invitation = await waitFor(async () => (await feed(a, 'support-acme')).find((m) => m.text.includes('Month-end reporting')));
    expect(JSON.stringify(invitation)).toContain('training.attend');
    const id = /TRN-\d+/.exec(invitation.text)![0];
    await play(a, 'support-acme', '', { user: 'alice', role: 'customer' }, { actionId: 'training.attend', value: id });
    await play(c, 'support-acme', '', { user: 'amy', role: 'customer' }, { actionId: 'training.attend', value: id });
    const count = async (words: string) => (await feed(a, 'support-acme')).filter((m) => m.text.includes(words)).length;

    // Alice has a direct chat with the bot: her reminders come there; Amy's in the channel she answered in.
    await play(a, 'dm-alice', '/training', { user: 'alice', role: 'customer' });
    const inDm = async (words: string) => (await feed(a, 'dm-alice')).filter((m) => m.text.includes(words)).length;
    await pollEverywhere();
    expect(await count('Tomorrow')).toBe(0);
    clock.set('2027-01-04T10:00:01Z');
    await pollEverywhere();
    await pollEverywhere();
    expect([await inDm('Tomorrow'), await count('Tomorrow')]).toEqual([1, 1]);
    clock.set('2027-01-05T09:45:01Z');
    await pollEverywhere();
    await pollEverywhere();
    expect([await inDm('In 15 minutes'), await count('In 15 minutes')]).toEqual([1, 1]);
    expect([await inDm('Tomorrow'), await count('Tomorrow')]).toEqual([1, 1]);
    clock.set('2027-01-05T11:00:01Z');
    await pollEverywhere();
    await pollEverywhere();
    // Both get the rating card: Alice in her chat, Amy in the channel.
    expect([await inDm('How useful was the training'), await count('How useful was the training')]).toEqual([1, 1]);

    await play(a, 'dm-alice', '', { user: 'alice', role: 'customer' }, { actionId: 'training.rate', value: `${id}:5` });
    await play(b, 'support-acme', '', { user: 'amy', role: 'customer' }, { actionId: 'training.rate', value: `${id}:4` });
    await play(c, 'management', '/digest', { user: 'mia', role: 'manager' });
    const digest = await waitFor(async () => (await feed(a, 'management')).find((m) => m.text.startsWith('Digest:')));
    expect(JSON.stringify(digest)).toContain('1 session(s) held, 2 attendee(s), average rating 4.5');
  }, 60_000);
});
