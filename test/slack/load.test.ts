import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keys } from '../../src/core/keys.js';
import { openStore } from '../../src/state/store.js';
import { startFakeSlack } from './fake-slack.js';
import { slackHeaders } from './sign.js';

/**
 * 400 signed /issue commands a second for 10 s against a Slack Web API that answers in 4 s. Every
 * reply waits on that API, so commands stay queued in aftercare far longer than the 30 s after
 * which a delivery nobody works on is resumed as a crash's orphan; one still queued in this process
 * must never be (it would run twice). The test watches past that point, then checks that no
 * command filed two tickets and that every acknowledged one is filed or still waiting in the inbox.
 * The rate the sender reaches and how many requests were answered in time depend on the machine;
 * the summary line prints them.
 */
const SECRET = 'load-signing-secret-0123456789';
const RATE = 400;
const SECONDS = 10;
/** How long the process works on its queue after the burst: past the 30 s orphan threshold. */
const WATCH_MS = 40_000;

describe('Slack under load with a slow Web API', () => {
  it(`files no ticket twice from ${RATE} signed commands a second for ${SECONDS} s while every API call takes 4 s`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-load-'));
    const storeUrl = `sqlite://${join(dir, 'a.sqlite')}`;
    const fake = await startFakeSlack();
    const proc = spawn(process.execPath, ['--import', 'tsx', 'test/store/crash-child.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        AFTERCARE_STORE: storeUrl,
        AFTERCARE_PLAYGROUND: 'off',
        AFTERCARE_ADMINS: 'slack:U0ADMIN',
        AFTERCARE_LOG_LEVEL: 'warn',
        AFTERCARE_TIMER_POLL_MS: '200',
        SLACK_BOT_TOKEN: 'xoxb-load-test-token',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let buf = '';
        proc.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const m = /READY (\S+)/.exec(buf);
          if (m) resolve(m[1]!);
        });
        proc.once('exit', (code) => reject(new Error(`aftercare exited before READY (${code})`)));
      });
      let trigger = 0;
      const send = async (user: string, text: string, command = '/issue'): Promise<number> => {
        const raw = new URLSearchParams({
          token: 'verification_token',
          team_id: 'T0LOAD',
          team_domain: 'load',
          channel_id: 'C0ACME',
          channel_name: 'support-acme',
          user_id: user,
          user_name: user.toLowerCase(),
          command,
          text,
          api_app_id: 'A0LOAD',
          response_url: fake.responseUrl('r'),
          trigger_id: `${++trigger}.load.trigger`,
        }).toString();
        try {
          const res = await fetch(`${url}/slack/events`, { method: 'POST', headers: slackHeaders(SECRET, raw, 'application/x-www-form-urlencoded'), body: raw, signal: AbortSignal.timeout(10_000) });
          await res.arrayBuffer();
          return res.status;
        } catch {
          return 0;
        }
      };
      expect(await send('U0ADMIN', 'org acme', '/aftercare')).toBe(200);
      await fake.waitFor((calls) => calls.some((c) => c.method === 'response_url:r' || c.method === 'chat.postMessage'), 15_000);
      fake.latencyMs = 4000;

      // The burst: 20 requests every 50 ms, not waiting for answers.
      const answers: Array<Promise<number>> = [];
      const started = performance.now();
      for (let tick = 0; tick < (SECONDS * 1000) / 50; tick++) {
        for (let j = 0; j < RATE / 20; j++) {
          const n = answers.length + 1;
          answers.push(send(`U0CUST${n % 7}`, `load-${n} sev:S3`));
        }
        const next = started + (tick + 1) * 50;
        await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
      }
      const sentIn = (performance.now() - started) / 1000;
      const statuses = await Promise.all(answers);
      const acked = statuses.flatMap((s, i) => (s === 200 ? [`load-${i + 1}`] : []));
      await new Promise((r) => setTimeout(r, WATCH_MS));
      proc.kill('SIGKILL');
      await exited;

      const store = await openStore(storeUrl);
      try {
        const issued = await store.counter(keys.seq('SUP'));
        const tickets = await store.getMany<{ title: string }>(Array.from({ length: issued }, (_, i) => keys.ticket(`SUP-${i + 1}`)));
        const filed = new Map<string, number>();
        for (const t of tickets) if (t) filed.set(t.title, (filed.get(t.title) ?? 0) + 1);
        const pending = new Set((await store.inboxPending(10_000)).map((e) => /load-\d+/.exec(JSON.stringify(e.event))?.[0]));
        const twice = [...filed].filter(([, n]) => n > 1).map(([t, n]) => `${t}×${n}`);
        const lost = acked.filter((t) => !filed.has(t) && !pending.has(t));
        console.log(
          `slack load: ${answers.length} commands sent in ${sentIn.toFixed(1)} s (${Math.round(answers.length / sentIn)}/s), ${acked.length} answered 200; ` +
            `answers ${JSON.stringify(Object.fromEntries([...new Set(statuses)].map((s) => [s, statuses.filter((x) => x === s).length])))}; after ${WATCH_MS / 1000} s more: ${filed.size} filed, ${pending.size} still queued, ${twice.length} filed twice`,
        );
        // Every answer is a 200; a request the client gave up on (10 s, status 0) is one this
        // machine could not take in at this rate: Slack would not retry it, nothing counts on it.
        expect(statuses.filter((s) => s !== 200 && s !== 0)).toEqual([]);
        expect(acked.length).toBeGreaterThan(0);
        expect(twice).toEqual([]);
        expect(lost).toEqual([]);
        expect(filed.size).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
