/**
 * `npm run bench:chat` — aftercare against a bare SDK app on all three platforms, over their real
 * HTTP paths, in one run.
 *
 * What runs where
 * - This process is the load generator and also serves the fake platform APIs on loopback
 *   (bench/fake-platforms.ts: Slack Web API + response_urls, Teams Bot Connector, Feishu open API),
 *   so a command's send time and its reply's arrival are read from one clock.
 * - aftercare runs in one child process with all three platforms enabled, as it is deployed
 *   (`startApp(loadConfig(env))`, SQLite store in a temp dir, playground off, Teams without an app
 *   id). 20 customer channels per platform are bound to organisation `acme` before measuring; no
 *   engineers' channel is subscribed, so aftercare does the same work as the baseline (file the
 *   ticket, reply to the customer) plus its own bookkeeping (inbox, audit, SLA timer, indexes).
 * - Each baseline runs in a child process of its own (bench/bare-apps.ts: Bolt ExpressReceiver,
 *   botbuilder CloudAdapter, Lark EventDispatcher; one durable SQLite INSERT before the ack, one
 *   reply call after). Teams caveat: a CloudAdapter bot answers the POST when its turn ends, so the
 *   bare Teams ack includes its reply round trip, while aftercare acks before running the command.
 *
 * The command is `/issue <title> sev:S2` from a customer: a signed Slack slash command, a Teams
 * channel post @mentioning the bot ("issue …"), an encrypted and signed Feishu im.message.receive_v1
 * group message ("/issue …"), spread round-robin over the 20 channels. Requests are open loop
 * (each leaves on schedule, answered or not). Two loads per platform, each `--seconds` long:
 *   (a) realistic mix: `--rate` commands/s (10) plus one burst of `--burst` commands (100) sent at
 *       once mid-run;
 *   (b) `--scale`× that rate (100/s) with the same burst of 100 mid-run. A burst of 1,000 (10× the
 *       burst too) was judged too much for a loopback bench on a small machine: it measures the
 *       load generator's and the kernel's socket handling as much as the servers. Raise --burst to try.
 * Phases run one at a time (bare then aftercare for each load) after a warm-up per server (40
 * commands at 40/s). Before each phase the bench waits (up to 30 s, unmeasured) for replies still
 * owed by earlier ones, so no server works off a backlog while another is measured.
 * The steady commands and the burst are reported apart: with a few seconds at 10/s the burst would
 * otherwise be most of the samples. With so few steady samples per phase (40 at 10/s), p99 is the
 * slowest or near it: read it as "worst seen", and run longer (--seconds 30) for a firmer figure.
 *
 * Figures, per platform × load × server:
 * - ack p50/p99 (steady, burst): request out → HTTP response read in full (what the platform waits for);
 * - reply p50/p99 (steady, burst): request out → the reply's API call seen by the fake platform (Slack response_url
 *   POST or chat.postMessage/postEphemeral; Teams POST …/activities; Feishu im/v1/messages create
 *   or reply), matched by a marker in the ticket title. Replies not seen within `--reply-wait`
 *   seconds after the last ack count with the time waited and print as ">x" (a lower bound);
 * - cpu/cmd: CPU ms (user+system, /proc, 10 ms ticks) of the server process over the phase, waiting
 *   for the replies and 300 ms after, divided by the commands sent (steady + burst);
 * - the ratio aftercare / bare of each figure, both measured in this run.
 * Feishu note: aftercare paces its Feishu sends to Feishu's published app limit (1,000 messages a
 * minute → 16/s, 4/s per group) through its outbox; the baseline sends unpaced (real Feishu would
 * refuse it). Any burst above 16/s therefore shows in aftercare's Feishu reply latency, and at
 * 100/s most replies are still queued when the phase ends (the ">" figures); that backlog is not
 * in the CPU figure.
 *
 * Then the lifecycle figure of bench/lifecycle.ts (full ticket lifecycles/s and store operations
 * per lifecycle, SQLite, and Redis with --redis URL or AFTERCARE_TEST_REDIS_URL), unless --no-lifecycle.
 *
 * Options: --seconds 4 (per phase, and per store in the lifecycle figure; the default run takes
 *          about two minutes) --rate 10 --scale 10 --burst 100 --reply-wait 10 --warmup 40
 *          --platforms slack,teams,feishu --no-lifecycle --redis <url> --concurrency 8 (lifecycle workers)
 * BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the aftercare child (bench/support.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serveBare } from './bare-apps.js';
import { aftercareEnv, commandRequest, PLATFORMS, type Platform, type PlatformRequest } from './chat-platforms.js';
import { marker, startFakePlatforms, type FakePlatforms } from './fake-platforms.js';
import { cpuMs, percentile, startServeChild } from './support.js';

const CHANNELS = 20;
const SETTLE_MS = 300;
const PAUSE_MS = 300;
/** Longest wait for an earlier phase's replies before the next phase starts. */
const QUIET_CAP_MS = 30_000;

type Target = 'bare' | 'aftercare';
const TARGETS: readonly Target[] = ['bare', 'aftercare'];

interface Server {
  url: string;
  child: ChildProcess;
}

// ---------------------------------------------------------------- child: aftercare
async function serveAftercare(fakeUrl: string): Promise<void> {
  const { startApp } = await import('../server/app.js');
  const { loadConfig } = await import('../src/config.js');
  const { createLogger } = await import('../src/core/log.js');
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-bench-chat-'));
  const running = await startApp(loadConfig(aftercareEnv(fakeUrl, `sqlite://${join(dir, 'bench.sqlite')}`)), { log: createLogger({ level: 'error' }) });
  process.on('SIGTERM', () => {
    void running.stop().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
  process.stdout.write(JSON.stringify({ url: running.url }) + '\n');
}

// ---------------------------------------------------------------- parent: drive load
const agent = new Agent({ keepAlive: true, maxSockets: 2048 });

interface Sample {
  marker: string;
  group: Group;
  /** performance.now() when the request left. */
  sent: number;
  /** Ack latency (ms). */
  ack: number;
  ok: boolean;
  /** HTTP status, or the socket error code. */
  status: string;
}

/** Commands sent on the rate schedule, and those of the burst sent all at once. */
type Group = 'steady' | 'burst';
const GROUPS: readonly Group[] = ['steady', 'burst'];

/** One POST; the ack is the time until its response has been read in full. */
function send(baseUrl: string, req: PlatformRequest, tag: string, group: Group): Promise<Sample> {
  const sent = performance.now();
  return new Promise((resolve) => {
    const done = (ok: boolean, status: string) => resolve({ marker: tag, group, sent, ack: performance.now() - sent, ok, status });
    const r = request(`${baseUrl}${req.path}`, { method: 'POST', headers: req.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200, String(res.statusCode)));
    });
    r.on('error', (e: NodeJS.ErrnoException) => done(false, e.code ?? e.message));
    r.end(req.body);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A percentile that may be a lower bound (a reply not seen in time counts as the time waited). */
interface Figure {
  ms: number;
  atLeast: boolean;
}

interface GroupStats {
  n: number;
  errors: number;
  ackP50: number;
  ackP99: number;
  replyP50: Figure;
  replyP99: Figure;
  /** Commands whose reply was not seen within the wait. */
  noReply: number;
  /** Failed requests by HTTP status or socket error. */
  failures: Record<string, number>;
}

interface PhaseResult {
  groups: Record<Group, GroupStats>;
  /** Markers of acked commands whose reply had not arrived when the phase ended. */
  unanswered: string[];
  /** Server CPU over the whole phase (steady and burst), per command sent. */
  cpuPerCommand: number;
}

interface Load {
  label: string;
  rate: number;
  burst: number;
}

let markerSeq = 0;

function groupStats(samples: Sample[], fake: FakePlatforms, waitedUntil: number): GroupStats {
  const ok = samples.filter((s) => s.ok);
  const failures: Record<string, number> = {};
  for (const s of samples) if (!s.ok) failures[s.status] = (failures[s.status] ?? 0) + 1;
  const acks = ok.map((s) => s.ack).sort((a, b) => a - b);
  const replies = ok
    .map((s): Figure => {
      const at = fake.replyAt(s.marker);
      return at === undefined ? { ms: waitedUntil - s.sent, atLeast: true } : { ms: at - s.sent, atLeast: false };
    })
    .sort((a, b) => a.ms - b.ms);
  const indices = replies.map((_, i) => i);
  const replyFigure = (p: number): Figure => {
    const i = percentile(indices, p);
    return Number.isNaN(i) ? { ms: NaN, atLeast: false } : replies[i]!;
  };
  return {
    n: samples.length,
    errors: samples.length - ok.length,
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
    replyP50: replyFigure(50),
    replyP99: replyFigure(99),
    noReply: replies.filter((r) => r.atLeast).length,
    failures,
  };
}

/**
 * One phase against one server: `rate`/s for `seconds`, plus `burst` commands at once halfway,
 * then waits for every reply (up to `replyWaitMs` after the last ack) and 300 ms more.
 */
async function runPhase(fake: FakePlatforms, platform: Platform, server: Server, load: Load, seconds: number, replyWaitMs: number): Promise<PhaseResult> {
  const count = Math.round(load.rate * seconds);
  const build = (i: number) => {
    const tag = marker(++markerSeq);
    return { tag, req: commandRequest(platform, fake.url, 'customer', i % CHANNELS, `issue Printer jams ${tag} sev:S2`) };
  };
  // Everything signed / encrypted before the clock starts.
  const steady = Array.from({ length: count }, (_, i) => build(i));
  const burst = Array.from({ length: load.burst }, (_, i) => build(i));
  const burstAt = (seconds * 1000) / 2;

  const cpuBefore = cpuMs(server.child.pid);
  const pending: Array<Promise<Sample>> = [];
  const sendBurst = () => {
    for (const b of burst) pending.push(send(server.url, b.req, b.tag, 'burst'));
  };
  const start = performance.now();
  let burstSent = false;
  for (let i = 0; i < count; i++) {
    const due = (i * 1000) / load.rate;
    const wait = start + due - performance.now();
    if (wait > 1) await sleep(wait);
    if (!burstSent && due >= burstAt) {
      sendBurst();
      burstSent = true;
    }
    pending.push(send(server.url, steady[i]!.req, steady[i]!.tag, 'steady'));
  }
  if (!burstSent) sendBurst();
  const samples = await Promise.all(pending);

  const deadline = performance.now() + replyWaitMs;
  const ok = samples.filter((s) => s.ok);
  while (performance.now() < deadline && ok.some((s) => fake.replyAt(s.marker) === undefined)) await sleep(20);
  const waitedUntil = performance.now();
  await sleep(SETTLE_MS);
  const cpu = cpuMs(server.child.pid) - cpuBefore;
  return {
    groups: { steady: groupStats(samples.filter((s) => s.group === 'steady'), fake, waitedUntil), burst: groupStats(samples.filter((s) => s.group === 'burst'), fake, waitedUntil) },
    cpuPerCommand: cpu / samples.length,
    unanswered: ok.filter((s) => fake.replyAt(s.marker) === undefined).map((s) => s.marker),
  };
}

/**
 * Waits (up to `capMs`) until every reply still owed by an earlier phase has arrived, so that no
 * server is still working off a backlog while the next phase is measured (on a small machine it
 * would take CPU from whichever server is measured next). Not part of any figure.
 */
async function quiet(fake: FakePlatforms, owed: Set<string>, capMs: number): Promise<void> {
  const deadline = performance.now() + capMs;
  while (owed.size && performance.now() < deadline) {
    for (const m of owed) if (fake.replyAt(m) !== undefined) owed.delete(m);
    if (owed.size) await sleep(50);
  }
  if (owed.size) console.warn(`note: ${owed.size} replies of an earlier phase still missing after ${capMs / 1000} s; measuring on`);
  owed.clear();
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------- report
const num = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const fig = (f: Figure) => `${f.atLeast ? '>' : ''}${num(f.ms)}`;
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '–');
const figRatio = (a: Figure, b: Figure) => {
  const r = ratio(a.ms, b.ms);
  if (r === '–') return r;
  // A lower bound on aftercare's side is a lower bound on the ratio; on the baseline's, an upper one.
  if (a.atLeast && b.atLeast) return `~${r}`;
  return a.atLeast ? `>${r}` : b.atLeast ? `<${r}` : r;
};

/** Column widths: load, server, cmds, errors, 4 steady figures, 4 burst figures, no reply, cpu. */
const WIDTHS = [12, 11, 5, 4, 9, 9, 10, 10, 9, 9, 10, 10, 9, 8];

function line(cells: string[]): string {
  return cells.map((c, i) => (i < 2 ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i]!))).join('');
}

function report(platform: Platform, loads: Load[], results: Map<string, PhaseResult>): void {
  const figures = ['ack p50', 'ack p99', 'reply p50', 'reply p99'];
  console.log(`\n${platform}`);
  console.log(`${''.padEnd(31)}${'──────── steady commands ────────'.padStart(38)}${'───── burst (sent at once) ──────'.padStart(38)}`);
  console.log(line(['load', 'server', 'cmds', 'err', ...figures, ...figures, 'no reply', 'cpu/cmd']));
  for (const load of loads) {
    const [bare, aftercare] = TARGETS.map((t) => results.get(`${platform}/${load.label}/${t}`)!);
    for (const [i, t] of TARGETS.entries()) {
      const r = (t === 'bare' ? bare : aftercare)!;
      const cells = GROUPS.flatMap((g) => [num(r.groups[g].ackP50), num(r.groups[g].ackP99), fig(r.groups[g].replyP50), fig(r.groups[g].replyP99)]);
      const total = (k: 'n' | 'errors' | 'noReply') => String(r.groups.steady[k] + r.groups.burst[k]);
      console.log(line([i === 0 ? load.label : '', t, total('n'), total('errors'), ...cells, total('noReply'), num(r.cpuPerCommand, 2)]));
    }
    const ratios = GROUPS.flatMap((g) => {
      const [a, b] = [aftercare!.groups[g], bare!.groups[g]];
      return [ratio(a.ackP50, b.ackP50), ratio(a.ackP99, b.ackP99), figRatio(a.replyP50, b.replyP50), figRatio(a.replyP99, b.replyP99)];
    });
    console.log(line(['', 'ratio a/b', '', '', ...ratios, '', ratio(aftercare!.cpuPerCommand, bare!.cpuPerCommand)]));
  }
  for (const load of loads) {
    for (const t of TARGETS) {
      const { steady, burst } = results.get(`${platform}/${load.label}/${t}`)!.groups;
      const failed = Object.entries({ ...steady.failures }).concat(Object.entries(burst.failures)).map(([k, n]) => `${k}: ${n}`);
      if (failed.length) console.log(`  failed requests, ${load.label} ${t}: ${failed.join(', ')}`);
    }
  }
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'string' },
      api: { type: 'string' },
      seconds: { type: 'string', default: '4' },
      rate: { type: 'string', default: '10' },
      scale: { type: 'string', default: '10' },
      burst: { type: 'string', default: '100' },
      'reply-wait': { type: 'string', default: '10' },
      warmup: { type: 'string', default: '40' },
      platforms: { type: 'string', default: PLATFORMS.join(',') },
      'no-lifecycle': { type: 'boolean', default: false },
      redis: { type: 'string' },
      concurrency: { type: 'string', default: '8' },
    },
  });
  if (values.serve === 'aftercare') return serveAftercare(values.api!);
  if (values.serve?.startsWith('bare-')) return serveBare(values.serve.slice(5) as Platform, values.api!);

  const seconds = Number(values.seconds);
  const rate = Number(values.rate);
  const burstN = Number(values.burst);
  const replyWaitMs = Number(values['reply-wait']) * 1000;
  const platforms = values.platforms.split(',').map((p) => p.trim()) as Platform[];
  if (platforms.some((p) => !PLATFORMS.includes(p))) throw new Error(`--platforms: expected a comma list of ${PLATFORMS.join(', ')}`);
  const loads: Load[] = [
    { label: `${rate}/s +${burstN}`, rate, burst: burstN },
    { label: `${rate * Number(values.scale)}/s +${burstN}`, rate: rate * Number(values.scale), burst: burstN },
  ];
  const warmup: Load = { label: 'warm-up', rate: 40, burst: 0 };
  const script = fileURLToPath(import.meta.url);
  const began = performance.now();

  const fake = await startFakePlatforms();
  const aftercare = await startServeChild(script, 'aftercare', fake.url);
  const results = new Map<string, PhaseResult>();
  /** Replies still owed by earlier phases. */
  const owed = new Set<string>();
  try {
    // As in production: every customer channel is bound to an organisation by an admin.
    for (const platform of platforms) {
      for (let i = 0; i < CHANNELS; i++) {
        const s = await send(aftercare.url, commandRequest(platform, fake.url, 'admin', i, 'aftercare org acme'), 'setup', 'steady');
        if (!s.ok) throw new Error(`aftercare refused the ${platform} setup command: ${s.status}`);
      }
    }
    await sleep(1000);
    for (const platform of platforms) {
      const bare = await startServeChild(script, `bare-${platform}`, fake.url);
      try {
        const servers: Record<Target, Server> = { bare, aftercare };
        const phase = async (t: Target, load: Load): Promise<PhaseResult> => {
          await quiet(fake, owed, QUIET_CAP_MS);
          await sleep(PAUSE_MS);
          const r = await runPhase(fake, platform, servers[t], load, load === warmup ? Number(values.warmup) / warmup.rate : seconds, replyWaitMs);
          for (const m of r.unanswered) owed.add(m);
          return r;
        };
        for (const t of TARGETS) {
          const { errors, noReply } = (await phase(t, warmup)).groups.steady;
          if (errors || noReply) console.warn(`warning: ${platform} ${t} warm-up: ${errors} errors, ${noReply} replies not seen`);
        }
        for (const load of loads) {
          for (const t of TARGETS) results.set(`${platform}/${load.label}/${t}`, await phase(t, load));
        }
      } finally {
        await stopChild(bare.child);
      }
    }
  } finally {
    await stopChild(aftercare.child);
    agent.destroy();
    await fake.close();
  }

  console.log(
    `\nChat platforms, aftercare vs bare SDK app — /issue <title> sev:S2 over HTTP on loopback, ${seconds} s per phase, burst mid-phase, ` +
      `${CHANNELS} customer channels per platform (${cpus().length} cores). Times in ms; "> x" = reply not seen within ${values['reply-wait']} s of the last ack (lower bound).`,
  );
  for (const platform of platforms) report(platform, loads, results);
  console.log(`\n(chat phases took ${((performance.now() - began) / 1000).toFixed(0)} s)`);

  if (!values['no-lifecycle']) {
    // Imported here: the children that run this script as a bare app never load aftercare.
    const { runLifecycleBench } = await import('./lifecycle.js');
    await runLifecycleBench({ seconds, concurrency: Number(values.concurrency), redisUrl: values.redis ?? process.env.AFTERCARE_TEST_REDIS_URL });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
