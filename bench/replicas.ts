/**
 * `npm run bench:replicas -- --postgres <url> [--redis <url>] [--processes 1,3] [--seconds 10]` —
 * ticket lifecycles per second with 1 and 3 aftercare processes on one shared store, and a check
 * that nothing was lost or doubled and that each SLA timer fired once.
 *
 * Each process is a real aftercare (startApp, its own inbound pipeline, outbox, timer loop and
 * schedules) in a child process of its own, running the lifecycle of `npm run bench:lifecycle`
 * (bench/lifecycle.ts) through its inbound pipeline: a customer files `/issue … sev:S2`, an
 * engineer acks, comments and resolves it, the customer answers the CSAT survey with 5. One
 * difference: a survey card may be sent by any process's outbox (the outbox is shared), so the
 * customer finds the survey to answer in the store (`surveys.pendingFor`) instead of waiting for
 * the card on this process. Processes run `--concurrency` lifecycles at once each (closed loop),
 * measured over the same `--seconds` window after a warm-up; the figure is all processes'
 * lifecycles completed per second of that window.
 *
 * Each process also files TIMED_TICKETS S1 tickets nobody answers, with a response target of
 * 1.2 s: their timers are due while every process polls timers every second.
 *
 * Checked afterwards, from the store: ticket ids SUP-1…SUP-n with no gap or repeat (n = every
 * `/issue` acknowledged by a reply); every lifecycle ticket resolved, acknowledged once and
 * resolved once; every timed ticket re-notified exactly once (one `ticket.sla_renotified` audit
 * entry) and then escalated exactly once.
 *
 * Stores: a PostgreSQL URL is a server (the bench creates a fresh database per run on it); a
 * Redis URL is used as is and flushed (pass a scratch database); SQLite runs with 1 process only
 * (one process per file). SQLite always runs, as the reference.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createClient } from '@keyv/redis';
import { startApp } from '../server/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/core/log.js';
import { keys } from '../src/core/keys.js';
import { openStore } from '../src/state/store.js';
import { createServices } from '../src/domain/index.js';
import { driver, type LifecycleDriver } from './lifecycle.js';
import { percentile } from './support.js';

const CUSTOMER_CHANNEL = 'support-acme';
const ENGINEERS_CHANNEL = 'engineering';
const ENGINEER = 'eng';
const TIMED_TICKETS = 5;
/** A response target of 1.2 s for S1 (the timed tickets); S2 keeps its default (the lifecycles ack long before). */
const SLA = '{"S1":{"respondMin":0.02}}';

function env(storeUrl: string): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    AFTERCARE_STORE: storeUrl,
    AFTERCARE_PLAYGROUND: 'off',
    AFTERCARE_ADMINS: 'playground:root',
    AFTERCARE_LOG_LEVEL: 'error',
    AFTERCARE_SLA: SLA,
    // The default poll (1 s). Each poll also looks through the inbox for deliveries of replicas
    // that are gone, reading every pending entry another replica owns: at 50 ms and 24 lifecycles
    // in flight per process that reading alone outgrows the lifecycles (src/core/inbound.ts, resume).
    AFTERCARE_TIMER_POLL_MS: '1000',
  };
}

// ---------------------------------------------------------------- one process (child)
interface WorkerResult {
  worker: number;
  lifecycles: number;
  latencies: number[];
  filed: string[];
  timed: string[];
}

/** Waits for the parent's `GO <epoch ms>` line on stdin: when the measured window starts. */
function startSignal(): Promise<number> {
  return new Promise((resolve) => {
    let buf = '';
    process.stdin.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /^GO (\d+)$/m.exec(buf);
      if (m) resolve(Number(m[1]));
    });
  });
}

async function worker(index: number, storeUrl: string, seconds: number, concurrency: number): Promise<void> {
  const go = startSignal();
  const running = await startApp(loadConfig(env(storeUrl)), { log: createLogger({ level: 'error' }) });
  const { command, click } = driver(running);
  const filed: string[] = [];
  let n = 0;
  const lifecycle = async (): Promise<number> => {
    const started = performance.now();
    const customer = `w${index}c${n++ % 50}`;
    const reply = await command(customer, CUSTOMER_CHANNEL, '/issue Printer jams on tray 2 sev:S2');
    const id = /\bSUP-\d+\b/.exec(reply.messages.map((m) => m.text).join(' '))?.[0];
    if (!id) throw new Error(`no ticket id in the reply to /issue: ${reply.messages[0]?.text}`);
    filed.push(id);
    await command(ENGINEER, ENGINEERS_CHANNEL, `/issue ack ${id}`);
    await command(ENGINEER, ENGINEERS_CHANNEL, `/issue comment ${id} Reproduced; a fix is on its way`);
    await command(ENGINEER, ENGINEERS_CHANNEL, `/issue resolve ${id} fixed-in:1.2.3 cause:config`);
    const survey = (await running.services.surveys.pendingFor(`playground:${customer}`)).find((s) => s.ticketId === id);
    if (!survey) throw new Error(`no CSAT survey pending for ${customer} after resolving ${id}`);
    await click(customer, CUSTOMER_CHANNEL, 'survey.answer', `${survey.id}:5`);
    return performance.now() - started;
  };
  const loop = async (until: () => boolean): Promise<number[]> => {
    const latencies: number[] = [];
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (until()) latencies.push(await lifecycle());
    }));
    return latencies;
  };
  // Timed tickets: filed, never answered.
  const timed: string[] = [];
  for (let i = 0; i < TIMED_TICKETS; i++) {
    const reply = await command(`w${index}quiet`, CUSTOMER_CHANNEL, `/issue Nobody answers ${index}.${i} sev:S1`);
    timed.push(/\bSUP-\d+\b/.exec(reply.messages.map((m) => m.text).join(' '))![0]);
  }
  let warm = concurrency * 2;
  await loop(() => warm-- > 0);
  process.stdout.write('WARM\n');
  const startAt = await go;
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  const deadline = startAt + seconds * 1000;
  const latencies = await loop(() => Date.now() < deadline);
  const result: WorkerResult = { worker: index, lifecycles: latencies.length, latencies, filed, timed };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  // Keep serving (outbox, timers) until the parent has checked everything and stops us.
  process.on('SIGTERM', () => {
    void running.stop().then(() => process.exit(0));
  });
}

// ---------------------------------------------------------------- the run (parent)
interface RunResult {
  store: string;
  processes: number;
  lifecycles: number;
  perSecond: number;
  p50: number;
  p99: number;
  checks: string[];
}

function startWorker(index: number, storeUrl: string, seconds: number, concurrency: number) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/replicas.ts', '--worker', String(index), '--store', storeUrl, '--seconds', String(seconds), '--concurrency', String(concurrency)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  // One reader of the worker's output (a listener per awaited line would append each chunk twice).
  let buf = '';
  const checks: Array<() => void> = [];
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (const check of checks) check();
  });
  const seen = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(buf);
        if (m) resolve(m);
      };
      checks.push(check);
      check();
      proc.on('exit', (code) => reject(new Error(`worker ${index} exited with ${code}`)));
    });
  const warm = seen(/^WARM$/m).then(() => undefined);
  // The line is long (every ticket id): wait for its newline, not for the end of a chunk.
  const result = seen(/^RESULT (.*)\n/m).then((m) => JSON.parse(m[1]!) as WorkerResult);
  return { proc, warm, result, go: (at: number) => proc.stdin!.write(`GO ${at}\n`) };
}

async function setUp(storeUrl: string): Promise<void> {
  const running = await startApp(loadConfig(env(storeUrl)), { log: createLogger({ level: 'error' }) });
  try {
    const { command }: LifecycleDriver = driver(running);
    await command('root', CUSTOMER_CHANNEL, '/aftercare org acme');
    await command('root', ENGINEERS_CHANNEL, '/aftercare subscribe tickets');
    await running.services.directory.setRole('playground:root', `playground:${ENGINEER}`, 'engineer');
  } finally {
    await running.stop();
  }
}

async function run(label: string, storeUrl: string, processes: number, seconds: number, concurrency: number): Promise<RunResult> {
  await setUp(storeUrl);
  const workers = Array.from({ length: processes }, (_, i) => startWorker(i, storeUrl, seconds, concurrency));
  try {
    // Every process starts its measured window at the same moment, once all have warmed up.
    await Promise.all(workers.map((w) => w.warm));
    const startAt = Date.now() + 500;
    for (const w of workers) w.go(startAt);
    const results = await Promise.all(workers.map((w) => w.result));
    const checks = await verify(storeUrl, results);
    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const lifecycles = results.reduce((a, r) => a + r.lifecycles, 0);
    return { store: label, processes, lifecycles, perSecond: lifecycles / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), checks };
  } finally {
    await Promise.all(workers.map((w) => new Promise((done) => (w.proc.exitCode !== null ? done(null) : (w.proc.once('exit', done), w.proc.kill('SIGTERM'))))));
  }
}

/** What must hold after a run; throws on the first failure, returns what was checked. */
async function verify(storeUrl: string, results: WorkerResult[]): Promise<string[]> {
  const store = await openStore(storeUrl);
  const services = createServices({ store, config: loadConfig(env(storeUrl)), log: createLogger({ level: 'error' }) });
  try {
    const filed = results.flatMap((r) => r.filed);
    const timed = results.flatMap((r) => r.timed);
    const all = [...filed, ...timed].map((id) => Number(id.slice(4))).sort((a, b) => a - b);
    const issued = await store.counter(keys.seq('SUP'));
    if (new Set(all).size !== all.length) throw new Error('a ticket id was given twice');
    if (all.length !== issued || all.some((n, i) => n !== i + 1)) throw new Error(`ticket ids are not SUP-1…SUP-${issued} without gaps: ${all.length} answered`);
    const tickets = await store.getMany<{ id: string; status: string; timeline: Array<{ kind: string }>; escalations: number }>(filed.map((id) => keys.ticket(id)));
    for (const [i, t] of tickets.entries()) {
      if (!t) throw new Error(`${filed[i]} was answered but is not stored`);
      const count = (kind: string) => t.timeline.filter((e) => e.kind === kind).length;
      if (t.status !== 'resolved' || count('acknowledged') !== 1 || count('resolved') !== 1) throw new Error(`${t.id}: ${t.status}, ${count('acknowledged')} acks, ${count('resolved')} resolutions`);
    }
    // The timed tickets: wait for their second stage (escalation), then count.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const states = await Promise.all(timed.map((id) => services.tickets.get(id)));
      if (states.every((t) => t.escalations >= 1)) break;
      if (Date.now() > deadline) throw new Error(`timers did not fire: ${states.filter((t) => t.escalations < 1).map((t) => t.id).join(', ')} never escalated`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Past any second firing's chance: every process polls every second.
    await new Promise((r) => setTimeout(r, 2500));
    // Every entry of the run (a lifecycle writes several): the timed tickets' are among the oldest.
    const audit = await services.audit.latest(1_000_000);
    for (const id of timed) {
      const renotified = audit.filter((e) => e.action === 'ticket.sla_renotified' && e.target === id).length;
      const t = await services.tickets.get(id);
      if (renotified !== 1 || t.escalations !== 1) throw new Error(`${id}: re-notified ${renotified} times, escalated ${t.escalations} times`);
    }
    return [`ids SUP-1…SUP-${issued}, none lost or repeated`, `${filed.length} lifecycle tickets resolved, each acked once and resolved once`, `${timed.length} SLA timers: each re-notified once, escalated once`];
  } finally {
    await store.close();
  }
}

/** A fresh database on the PostgreSQL server at `url`. */
async function freshDatabase(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const db = `ac_bench_${name}_${Date.now().toString(36)}`;
  try {
    await client.query(`CREATE DATABASE ${db}`);
  } finally {
    await client.end();
  }
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      worker: { type: 'string' },
      store: { type: 'string' },
      seconds: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '8' },
      processes: { type: 'string', default: '1,3' },
      postgres: { type: 'string' },
      redis: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  if (values.worker !== undefined) {
    await worker(Number(values.worker), values.store!, seconds, concurrency);
    return;
  }
  const counts = values.processes.split(',').map(Number);
  const results: RunResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-bench-replicas-'));
  try {
    results.push(await run('sqlite', `sqlite://${join(dir, 'bench.sqlite')}`, 1, seconds, concurrency));
    for (const processes of counts) {
      if (values.postgres) results.push(await run('postgres', await freshDatabase(values.postgres, `p${processes}`), processes, seconds, concurrency));
      if (values.redis) {
        const client = createClient({ url: values.redis });
        await client.connect();
        await client.flushDb();
        await client.quit();
        results.push(await run('redis', values.redis, processes, seconds, concurrency));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nTicket lifecycles (file → ack → comment → resolve → CSAT answer), ${concurrency} at a time per process, ${seconds} s\n`);
  console.log(`${'store'.padEnd(10)}${'processes'.padStart(10)}${'lifecycles'.padStart(12)}${'per s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}`);
  for (const r of results) {
    console.log(`${r.store.padEnd(10)}${String(r.processes).padStart(10)}${String(r.lifecycles).padStart(12)}${r.perSecond.toFixed(1).padStart(9)}${r.p50.toFixed(1).padStart(9)}${r.p99.toFixed(1).padStart(9)}`);
  }
  console.log('\nchecked after each run:');
  for (const r of results) console.log(`  ${r.store} × ${r.processes}: ${r.checks.join('; ')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
