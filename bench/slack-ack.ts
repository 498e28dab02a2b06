/**
 * Slack ack latency: aftercare against a bare Bolt app, in one run (npm run bench:slack).
 *
 * Each target runs in its own child process (so the load generator does not share its event
 * loop); this process drives signed `/issue` slash commands at a fixed rate (open loop: requests
 * leave on schedule whether or not earlier ones have been answered) and then as one burst of N
 * commands in flight, and prints p50/p99/max ack latency and throughput for both and their ratio.
 * aftercare does its real work after each ack (ticket filed, reply posted, engineers' channel
 * notified through the outbox) against a fake Slack Web API served from this process.
 *
 * Targets (issue 3): p99 within 1.5x of the bare app at 200 commands/s; never near Slack's 3 s
 * deadline with 1,000 commands in flight.
 *
 * Options: --rate 200 --seconds 10 --burst 1000 --warmup 300 --check (exit 1 when a target is missed)
 *          --no-subscribe (no engineers' channel: /issue work without the outbox push, to isolate it)
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMs, percentile, startServeChild } from './support.js';
import { parseArgs } from 'node:util';
import { Agent, createServer, request } from 'node:http';
import { slackHeaders } from '../test/slack/sign.js';

const SECRET = 'bench-signing-secret';
const TOKEN = 'xoxb-bench-token';
const DEADLINE_MS = 3000;
/** "Near the deadline": within a second of it. */
const NEAR_DEADLINE_MS = DEADLINE_MS - 1000;

type Target = 'bare' | 'aftercare';

// ---------------------------------------------------------------- child: a lean fake Slack
/** Slack's Web API and response_urls, answered with the documented success shapes, nothing recorded. */
function serveFakeSlack(): void {
  let seq = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      const ts = `1700000000.${String(++seq).padStart(6, '0')}`;
      let body: unknown = { ok: true };
      if (path.startsWith('/response/')) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      if (path.endsWith('/auth.test')) body = { ok: true, team: 'Bench', team_id: 'T0BENCH', user: 'aftercare', user_id: 'U0BENCH', bot_id: 'B0BENCH' };
      else if (path.endsWith('/chat.postMessage') || path.endsWith('/chat.update')) body = { ok: true, ts };
      else if (path.endsWith('/chat.postEphemeral')) body = { ok: true, message_ts: ts };
      else if (path.endsWith('/users.info')) body = { ok: true, user: { id: 'U', locale: 'en-US' } };
      else if (path.endsWith('/views.open')) body = { ok: true, view: { id: `V${seq}` } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}` }) + '\n');
  });
}

// ---------------------------------------------------------------- child: serve one target
async function serve(target: Target, apiUrl: string): Promise<void> {
  if (target === 'bare') {
    const { App, ExpressReceiver } = await import('@slack/bolt');
    const express = (await import('express')).default;
    const receiver = new ExpressReceiver({ signingSecret: SECRET, endpoints: '/slack/events' });
    const bolt = new App({ receiver, token: TOKEN, botId: 'B0BENCH', botUserId: 'U0BENCH', clientOptions: { slackApiUrl: apiUrl } });
    bolt.command(/.*/, async ({ ack }) => {
      await ack();
    });
    const app = express();
    app.use(receiver.router);
    const server = app.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}/slack/events` }) + '\n');
    });
    return;
  }
  const { startApp } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config.js');
  const { createLogger } = await import('../src/core/log.js');
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-bench-slack-'));
  const running = await startApp(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      AFTERCARE_STORE: `sqlite://${join(dir, 'bench.sqlite')}`,
      AFTERCARE_ADMINS: 'slack:U0ADMIN',
      AFTERCARE_PLAYGROUND: 'off',
      AFTERCARE_LOG_LEVEL: 'error',
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: apiUrl,
    }),
    { log: createLogger({ level: 'error' }) },
  );
  process.on('SIGTERM', () => {
    void running.stop().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
  process.stdout.write(JSON.stringify({ url: `${running.url}/slack/events` }) + '\n');
}

// ---------------------------------------------------------------- parent: drive load
interface Sample {
  ms: number;
  ok: boolean;
  /** HTTP status, or the socket error code. */
  status: string;
}

function startChild(target: Target | 'fake', apiUrl = ''): Promise<{ url: string; child: ChildProcess }> {
  return startServeChild(fileURLToPath(import.meta.url), target, apiUrl);
}

let seq = 0;
function issueBody(text: string, user = 'U0CUST', command = '/issue', channel = 'C0ACME'): string {
  seq++;
  return new URLSearchParams({
    token: 'bench',
    team_id: 'T0BENCH',
    team_domain: 'bench',
    channel_id: channel,
    channel_name: channel.toLowerCase(),
    user_id: user,
    user_name: user.toLowerCase(),
    command,
    text,
    api_app_id: 'A0BENCH',
    response_url: `${responseBase}cmd-${seq}`,
    trigger_id: `${seq}.${process.pid}.benchtrigger`,
  }).toString();
}
let responseBase = '';

const agent = new Agent({ keepAlive: true, maxSockets: 2048 });

/** One signed POST; the latency is until the response has been read in full (Slack's view of an ack). */
function sendOne(url: string, body: string): Promise<Sample> {
  const headers = { ...slackHeaders(SECRET, body, 'application/x-www-form-urlencoded'), 'content-length': String(Buffer.byteLength(body)) };
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - started, ok: res.statusCode === 200, status: String(res.statusCode) }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ms: performance.now() - started, ok: false, status: e.code ?? e.message }));
    req.end(body);
  });
}

/** Open loop: request i leaves at start + i/rate, answered or not. */
async function atRate(url: string, rate: number, count: number): Promise<{ samples: Sample[]; seconds: number }> {
  const start = performance.now();
  const pending: Array<Promise<Sample>> = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(sendOne(url, issueBody(`Bench report ${i} sev:S3 system:crm`)));
  }
  const samples = await Promise.all(pending);
  return { samples, seconds: (performance.now() - start) / 1000 };
}

async function burst(url: string, n: number): Promise<{ samples: Sample[]; seconds: number }> {
  const start = performance.now();
  const samples = await Promise.all(Array.from({ length: n }, (_, i) => sendOne(url, issueBody(`Burst report ${i}`))));
  return { samples, seconds: (performance.now() - start) / 1000 };
}

const pct = percentile;

interface Stats {
  n: number;
  errors: number;
  /** Failures by status or error code. */
  failures: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
  throughput: number;
  /** CPU time the server process spent per request in this run (ms). */
  cpuPerRequest?: number;
}

function stats(run: { samples: Sample[]; seconds: number }): Stats {
  const ok = run.samples.filter((s) => s.ok).map((s) => s.ms).sort((a, b) => a - b);
  const failures: Record<string, number> = {};
  for (const s of run.samples) if (!s.ok) failures[s.status] = (failures[s.status] ?? 0) + 1;
  return { n: run.samples.length, errors: run.samples.length - ok.length, failures, p50: pct(ok, 50), p99: pct(ok, 99), max: ok.at(-1) ?? NaN, throughput: ok.length / run.seconds };
}

function row(name: string, s: Stats): string {
  const f = (v: number) => v.toFixed(1).padStart(8);
  const why = s.errors ? `  (${Object.entries(s.failures).map(([k, n]) => `${k}: ${n}`).join(', ')})` : '';
  const cpu = s.cpuPerRequest === undefined ? '' : s.cpuPerRequest.toFixed(2);
  return `${name.padEnd(22)}${String(s.n).padStart(6)}${String(s.errors).padStart(7)}${f(s.p50)}${f(s.p99)}${f(s.max)}${s.throughput.toFixed(0).padStart(10)}${cpu.padStart(10)}${why}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'string' },
      api: { type: 'string' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '10' },
      burst: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '300' },
      check: { type: 'boolean', default: false },
      'no-subscribe': { type: 'boolean', default: false },
    },
  });
  if (values.serve === 'fake') {
    serveFakeSlack();
    return;
  }
  if (values.serve) {
    await serve(values.serve as Target, values.api!);
    return;
  }
  const rate = Number(values.rate);
  const count = Math.round(rate * Number(values.seconds));
  const burstN = Number(values.burst);
  const warmup = Number(values.warmup);

  const fake = await startChild('fake');
  const apiUrl = `${fake.url}/api/`;
  responseBase = `${fake.url}/response/`;
  const results: Record<Target, { steady: Stats; burst: Stats }> = {} as never;
  for (const target of ['bare', 'aftercare'] as const) {
    const { url, child } = await startChild(target, apiUrl);
    try {
      if (target === 'aftercare') {
        // The customer channel is bound to an organisation and the engineers subscribe, as in production.
        await sendOne(url, issueBody('org acme', 'U0ADMIN', '/aftercare'));
        if (!values['no-subscribe']) await sendOne(url, issueBody('subscribe tickets', 'U0ADMIN', '/aftercare', 'C0ENG'));
        await new Promise((r) => setTimeout(r, 300));
      }
      await atRate(url, Math.min(rate, 200), warmup);
      await new Promise((r) => setTimeout(r, 1000));
      const cpuBefore = cpuMs(child.pid);
      const steady = stats(await atRate(url, rate, count));
      // Work still queued after the last ack counts too: wait for the process to go idle.
      await new Promise((r) => setTimeout(r, 2000));
      steady.cpuPerRequest = (cpuMs(child.pid) - cpuBefore) / count;
      const burstStats = stats(await burst(url, burstN));
      results[target] = { steady, burst: burstStats };
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  fake.child.kill('SIGTERM');

  const header = `${'run'.padEnd(22)}${'sent'.padStart(6)}${'errors'.padStart(7)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'max ms'.padStart(8)}${'acks/s'.padStart(10)}${'cpu ms/req'.padStart(11)}`;
  console.log(`\nSlack ack latency — ${rate} commands/s for ${values.seconds} s, then ${burstN} in flight (${(await import('node:os')).cpus().length} cores)\n`);
  console.log(header);
  for (const target of ['bare', 'aftercare'] as const) {
    console.log(row(`${target} @${rate}/s`, results[target].steady));
    console.log(row(`${target} burst ${burstN}`, results[target].burst));
  }
  const ratio = results.aftercare.steady.p99 / results.bare.steady.p99;
  const burstRatio = results.aftercare.burst.p99 / results.bare.burst.p99;
  const okRatio = ratio <= 1.5;
  const okBurst = results.aftercare.burst.max < NEAR_DEADLINE_MS && results.aftercare.burst.errors === 0;
  console.log(`\np99 ratio aftercare/bare at ${rate}/s: ${ratio.toFixed(2)}x (target ≤ 1.5x) ${okRatio ? 'PASS' : 'MISS'}`);
  console.log(`p99 ratio in the burst: ${burstRatio.toFixed(2)}x; aftercare worst ack ${results.aftercare.burst.max.toFixed(0)} ms of Slack's ${DEADLINE_MS} ms (target < ${NEAR_DEADLINE_MS} ms, no errors) ${okBurst ? 'PASS' : 'MISS'}`);
  console.log(`throughput ratio at ${rate}/s: ${(results.aftercare.steady.throughput / results.bare.steady.throughput).toFixed(2)}`);
  if (values.check && !(okRatio && okBurst)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
