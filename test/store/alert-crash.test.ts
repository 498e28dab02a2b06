import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { keys } from '../../src/core/keys.js';
import { openStore } from '../../src/state/store.js';
import { mulberry32 } from '../helpers/seeded.js';
import { sendUntilAccepted } from '../helpers/send-until-accepted.js';

/**
 * kill -9 mid alert storm. 2,000 alerts are posted to /hooks/alerts, 25 at a time, by a sender that
 * retries any request without a 2xx (the same body: the same delivery). aftercare is killed with
 * SIGKILL twice, at random moments, and started again on the same store. Afterwards:
 * - every alert the sender saw answered 2xx (and not `{"duplicate": true}`) is stored;
 * - no retry was answered "duplicate" for an alert that is not stored (a claim that outlived the
 *   work it guarded would do that);
 * - every stored alert's card was queued for the subscribed channel, and shown there at most once.
 * The seed (AFTERCARE_CRASH_SEED) replays the kill moments.
 */
const TOKEN = 'alert-crash-token-123';
const ALERTS = Number(process.env.AFTERCARE_ALERT_CRASH_ALERTS ?? 2000);
const WIDTH = 25;
const KILLS = 2;
const REDIS_DB = 10;
const redisBase = process.env.AFTERCARE_TEST_REDIS_URL;
const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

describe('the alert hook under kill -9', () => {
  it('stores every acknowledged alert and every retry, and queues each card once, when aftercare on SQLite is killed twice mid-storm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-alert-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await alertStorm(`sqlite://${join(dir, 'a.sqlite')}`);
  }, 240_000);

  it.runIf(redisBase)('does the same on Redis', async () => {
    const url = `${redisBase!.replace(/\/\d*$/, '')}/${REDIS_DB}`;
    const client = createClient({ url });
    await client.connect();
    await client.flushDb();
    await client.quit();
    await alertStorm(url);
  }, 240_000);
});

interface Life {
  proc: ChildProcess;
  url: string;
  exited: Promise<void>;
}

async function alertStorm(storeUrl: string): Promise<void> {
  const seed = Number(process.env.AFTERCARE_CRASH_SEED) || Math.floor(Math.random() * 2 ** 31);
  const random = mulberry32(seed);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    AFTERCARE_STORE: storeUrl,
    AFTERCARE_PLAYGROUND: 'on',
    AFTERCARE_HOOK_TOKEN: TOKEN,
    AFTERCARE_LOG_LEVEL: 'warn',
    AFTERCARE_TIMER_POLL_MS: '200',
  };
  const lives: Life[] = [];
  const start = async (): Promise<Life> => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'test/store/crash-child.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      proc.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /READY (\S+)/.exec(buf);
        if (m) resolve(m[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`aftercare exited before READY (${code})`)));
    });
    const life = { proc, url, exited };
    lives.push(life);
    return life;
  };
  let current: Life | undefined = await start();
  let nextLife: Promise<void> = Promise.resolve();

  const answers: Array<{ status: number; duplicate: boolean }[]> = Array.from({ length: ALERTS }, () => []);
  const acked = new Set<number>();
  const body = (n: number) => JSON.stringify({ system: `sys${n % 10}`, title: `storm-${n}`, severity: 'warning', status: 'firing', dedupKey: `storm-${n}` });
  async function attempt(n: number): Promise<boolean> {
    while (!current) await nextLife;
    const life = current;
    let status = 0;
    let duplicate = false;
    try {
      const res = await fetch(`${life.url}/hooks/alerts`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body(n), signal: AbortSignal.timeout(10_000) });
      status = res.status;
      duplicate = ((await res.json().catch(() => ({}))) as { duplicate?: boolean }).duplicate === true;
    } catch {
      status = 0;
    }
    answers[n]!.push({ status, duplicate });
    if (status >= 200 && status < 300) {
      acked.add(n);
      return true;
    }
    await Promise.race([life.exited, new Promise((r) => setTimeout(r, 100))]);
    return false;
  }
  const storm = sendUntilAccepted(Array.from({ length: ALERTS }, (_, i) => i), WIDTH, attempt);
  const kills: string[] = [];
  try {
    for (let k = 1; k <= KILLS; k++) {
      const target = Math.floor((ALERTS * (k - 0.5 + random() * 0.6)) / (KILLS + 1));
      while (acked.size < target) await new Promise((r) => setTimeout(r, 10));
      const life = current!;
      // Requests in flight are cut off by the kill; the sender waits for the next process.
      let started!: () => void;
      nextLife = new Promise<void>((r) => (started = r));
      current = undefined;
      life.proc.kill('SIGKILL');
      await life.exited;
      kills.push(`kill ${k} after ${acked.size} acknowledged`);
      current = await start();
      started();
    }
    await storm;

    // Let the last process queue what it must, then stop it and read the store.
    const last = current!;
    await new Promise((r) => setTimeout(r, 500));
    last.proc.kill('SIGTERM');
    await last.exited;
    const store = await openStore(storeUrl);
    try {
      const byTitle = new Map<string, string>();
      const issued = await store.counter(keys.seq('ALR'));
      const ids = Array.from({ length: issued }, (_, i) => `ALR-${i + 1}`);
      const alerts = await store.getMany<{ id: string; title: string }>(ids.map((id) => keys.alert(id)));
      const twice: string[] = [];
      for (const a of alerts) {
        if (!a) continue;
        if (byTitle.has(a.title)) twice.push(a.title);
        else byTitle.set(a.title, a.id);
      }
      const convKey = 'playground:local:engineering';
      const cards = await store.getMany<unknown>([...byTitle.values()].map((id) => keys.cardContent(`alert:${id}`, convKey)));
      const feedIds = await store.zrange(keys.playgroundFeed('engineering'), -Infinity, Infinity);
      const shown = new Map<string, number>();
      for (const m of await store.getMany<{ text: string }>(feedIds.map((f) => keys.playgroundMessage(f.member)))) {
        const title = /storm-\d+/.exec(m?.text ?? '')?.[0];
        if (title) shown.set(title, (shown.get(title) ?? 0) + 1);
      }
      const report = {
        acknowledgedNotStored: [...acked].filter((n) => !byTitle.has(`storm-${n}`)).map((n) => `storm-${n}`),
        duplicateAnswerWithoutData: answers.flatMap((list, n) => (list.some((a) => a.duplicate) && !byTitle.has(`storm-${n}`) ? [`storm-${n}`] : [])),
        storedTwice: twice,
        storedWithoutCard: [...byTitle.keys()].filter((_, i) => cards[i] === undefined),
        shownMoreThanOnce: [...shown].filter(([, c]) => c > 1).map(([t, c]) => `${t}×${c}`),
      };
      const retried = answers.filter((list) => list.length > 1).length;
      const summary = `seed ${seed}; ${kills.join(', ')}; ${acked.size}/${ALERTS} acknowledged, ${retried} retried, ${answers.flat().filter((a) => a.duplicate).length} answered duplicate; ${byTitle.size} stored; ${shown.size} cards shown so far`;
      console.log(`alert storm on ${storeUrl.split(':')[0]}: ${summary}`);
      expect(acked.size, summary).toBe(ALERTS);
      expect(report, summary).toEqual({ acknowledgedNotStored: [], duplicateAnswerWithoutData: [], storedTwice: [], storedWithoutCard: [], shownMoreThanOnce: [] });
    } finally {
      await store.close();
    }
  } finally {
    for (const l of lives) if (l.proc.exitCode === null && l.proc.signalCode === null) l.proc.kill('SIGKILL');
    await Promise.all(lives.map((l) => l.exited));
  }
}
