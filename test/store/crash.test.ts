import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createClient } from '@keyv/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { keys } from '../../src/core/keys.js';
import type { StateStore } from '../../src/core/store.js';
import { openStore } from '../../src/state/store.js';
import { startFakeSlack } from '../slack/fake-slack.js';
import { slackHeaders } from '../slack/sign.js';
import { mulberry32 } from '../helpers/seeded.js';
import { sendUntilAccepted } from '../helpers/send-until-accepted.js';

/**
 * kill -9 on the inbound path. The guarantee under test: a slash command is durable before Slack
 * hears its 200, it is processed at least once, and its effects happen once per delivery.
 *
 * A real aftercare process (test/store/crash-child.ts) on Slack, against a fake Slack Web API,
 * gets 200 `/issue crash-<n> sev:S3` commands, many in flight at once. It is killed with SIGKILL at
 * a random moment five times and restarted each time on the same store; the sender keeps going
 * through the restarts. After the last start it is left to finish, stopped cleanly, and the store
 * is read from here: every acknowledged command must have exactly one ticket.
 *
 * Retries. Slack never retries a slash command; a user whose command failed retypes it. Here a
 * command is acknowledged when its request got a 200. A request that failed (connection refused
 * or reset by the kill, a timeout) or got any other status is sent again, with the same body and
 * so the same trigger_id, which adapters/slack/inbound.ts turns into the delivery id: the same
 * delivery. That is the strict choice: a request whose event was stored but whose 200 was lost
 * to the kill comes back as a duplicate that must be recognised, not a new report. (A retyped
 * command would carry a new trigger_id, and two tickets would then be right.)
 *
 * Randomness: kill delays come from a seeded generator; the seed is in every failure message, and
 * AFTERCARE_CRASH_SEED=<seed> replays the same delays (the process timing still varies).
 * AFTERCARE_CRASH_LOG=1 prints the run's timeline and findings even when it passes.
 */

const SECRET = 'crash-signing-secret-0123456789';
const TEAM = 'T0CRASH';
const CHANNEL = 'C0ACME';
const ADMIN = 'U0ADMIN';
const CUSTOMERS = ['U0CUST1', 'U0CUST2', 'U0CUST3', 'U0CUST4'];
const COMMANDS = 200;
/** Requests in flight together. */
const WIDTH = 25;
const KILLS = 5;
/**
 * When each kill comes: once this process has acknowledged a random number of commands in this
 * range (counted in acks, not milliseconds, so that it lands inside the storm on a fast machine
 * and a slow one alike), no new request is sent to it (the sender waits for the next process),
 * and it is killed after a random delay in KILL_DELAY_MS: a short one lands among the requests
 * still in flight, a longer one while it works through what it acknowledged, or resumes what an
 * earlier process left.
 */
const KILL_AFTER_ACKS: [number, number] = [8, 45];
const KILL_DELAY_MS: [number, number] = [0, 400];
/** Longest the sender may take to have every command acknowledged, restarts included. */
const STORM_DEADLINE_MS = 30_000;
/**
 * Longest the last process gets to work off its inbox. On Redis it resumes a killed process's
 * deliveries once that one's heartbeat has lapsed (15 s); passing runs wait only as long as that.
 */
const DRAIN_DEADLINE_MS = 40_000;
/** Per store: six starts, the storm and the drain, each bounded above. */
const TEST_TIMEOUT_MS = 100_000;
/** Redis database of this test's own (others: 5 concurrency, 13 replicas); flushed first. */
const REDIS_DB = 9;

const redisBase = process.env.AFTERCARE_TEST_REDIS_URL;
const cleanups: Array<() => Promise<void> | void> = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('the inbound path under kill -9', () => {
  it('files exactly one ticket per acknowledged /issue when aftercare on SQLite is killed five times mid-storm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await crashStorm(`sqlite://${join(dir, 'a.sqlite')}`);
  }, TEST_TIMEOUT_MS);

  it.runIf(redisBase)('files exactly one ticket per acknowledged /issue when aftercare on Redis is killed five times mid-storm', async () => {
    const url = `${redisBase!.replace(/\/\d*$/, '')}/${REDIS_DB}`;
    const client = createClient({ url });
    await client.connect();
    await client.flushDb();
    await client.quit();
    await crashStorm(url);
  }, TEST_TIMEOUT_MS);
});

interface Command {
  n: number;
  title: string;
  form: Record<string, string>;
  /** The life whose 200 acknowledged it. */
  ackedIn?: number;
  /** Status per attempt (0: no answer). */
  attempts: Array<{ life: number; status: number }>;
}

interface Life {
  n: number;
  proc: ChildProcess;
  url: string;
  exited: Promise<void>;
}

async function crashStorm(storeUrl: string): Promise<void> {
  const seed = Number(process.env.AFTERCARE_CRASH_SEED) || Math.floor(Math.random() * 2 ** 31);
  const random = mulberry32(seed);
  const between = ([lo, hi]: [number, number]) => lo + Math.floor(random() * (hi - lo + 1));
  const started = Date.now();
  const timeline: string[] = [];
  const mark = (what: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(2)}s ${what}`);
  const output: string[] = [];

  const fake = await startFakeSlack();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    AFTERCARE_STORE: storeUrl,
    AFTERCARE_PLAYGROUND: 'off',
    AFTERCARE_ADMINS: `slack:${ADMIN}`,
    AFTERCARE_LOG_LEVEL: 'warn',
    AFTERCARE_TIMER_POLL_MS: '200',
    SLACK_BOT_TOKEN: 'xoxb-crash-test-token',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: fake.apiUrl,
  };

  // ── Processes ─────────────────────────────────────────────────────────────
  let current: Life | undefined;
  let lifeStarted: () => void = () => undefined;
  let nextLife = new Promise<void>((r) => (lifeStarted = r));
  const lives: Life[] = [];
  cleanups.push(() => {
    for (const l of lives) if (l.proc.exitCode === null && l.proc.signalCode === null) l.proc.kill('SIGKILL');
  });
  /** Processes this test stops; any other exit is a crash of aftercare itself, and ends the test. */
  const stopping = new Set<ChildProcess>();
  let reportCrash: (e: Error) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => (reportCrash = reject));
  crashed.catch(() => undefined);

  async function startLife(n: number): Promise<Life> {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'test/store/crash-child.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const onData = (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          output.push(`[life ${n}] ${line}`);
          const m = /^READY (\S+)/.exec(line);
          if (m) resolve(m[1]!);
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code, signal) => reject(new Error(`life ${n} exited before READY (${code ?? signal})\n${output.slice(-30).join('\n')}`)));
    });
    const life: Life = { n, proc, url, exited };
    lives.push(life);
    proc.once('exit', (code, signal) => {
      if (stopping.has(proc)) return;
      if (current === life) current = undefined;
      mark(`life ${n} exited by itself (${code ?? signal})`);
      reportCrash(new Error(`aftercare (life ${n}) exited by itself (${code ?? signal})\n${timeline.join('\n')}\n${output.slice(-40).join('\n')}`));
    });
    current = life;
    mark(`life ${n} ready`);
    lifeStarted();
    nextLife = new Promise<void>((r) => (lifeStarted = r));
    return life;
  }

  async function kill(life: Life, why: string): Promise<void> {
    if (current === life) current = undefined;
    const inFlight = inFlightTo(life);
    stopping.add(life.proc);
    life.proc.kill('SIGKILL');
    await life.exited;
    mark(`life ${life.n} killed (${why}; ${acked()} acked so far, ${inFlight} requests in flight); left behind: ${await wreckage()}`);
  }

  /**
   * What a kill left in the store, read while no process runs (for the timeline). SQLite is read
   * from a copy of its files: the next process, not this one, must be the first to open them
   * after the crash.
   */
  async function wreckage(): Promise<string> {
    const s = await openStore(snapshotOf(storeUrl));
    try {
      const issued = await s.counter(keys.seq('SUP'));
      const tickets = await s.getMany<{ title: string }>(Array.from({ length: issued }, (_, i) => keys.ticket(`SUP-${i + 1}`)));
      const filed = new Set(tickets.flatMap((t) => (t ? [t.title] : [])));
      const pending = (await s.inboxPending(1000)).map((e) => titleOf(e.event));
      const midway = pending.filter((t) => t !== undefined && filed.has(t));
      return `${issued} ticket ids issued, ${pending.length} deliveries pending in the inbox, ${midway.length} of them with a ticket already (${midway.join(' ') || 'none'})`;
    } finally {
      await s.close();
    }
  }

  /** The running process, waiting for the next start while there is none. */
  async function up(): Promise<Life> {
    while (!current) await nextLife;
    return current;
  }

  // ── Slack requests ────────────────────────────────────────────────────────
  let seq = 0;
  const slash = (user: string, command: string, text: string, name: string): Record<string, string> => ({
    token: 'verification_token',
    team_id: TEAM,
    team_domain: 'crash',
    channel_id: CHANNEL,
    channel_name: 'support-acme',
    user_id: user,
    user_name: user.toLowerCase(),
    command,
    text,
    api_app_id: 'A0CRASH',
    is_enterprise_install: 'false',
    response_url: fake.responseUrl(name),
    trigger_id: `${++seq}.${started}.crashtrigger`,
  });

  async function post(life: Life, form: Record<string, string>): Promise<number> {
    const raw = new URLSearchParams(form).toString();
    try {
      const res = await fetch(`${life.url}/slack/events`, {
        method: 'POST',
        headers: slackHeaders(SECRET, raw, 'application/x-www-form-urlencoded'),
        body: raw,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  const commands: Command[] = Array.from({ length: COMMANDS }, (_, i) => {
    const title = `crash-${i + 1}`;
    return { n: i + 1, title, form: slash(CUSTOMERS[i % CUSTOMERS.length]!, '/issue', `${title} sev:S3`, title), attempts: [] };
  });
  const acked = () => commands.filter((c) => c.ackedIn !== undefined).length;
  /** How the requests were answered so far, e.g. `200×230 0×41` (0: no answer). */
  const statuses = () => {
    const counts = new Map<number, number>();
    for (const a of commands.flatMap((c) => c.attempts)) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
    return [...counts].map(([status, n]) => `${status}×${n}`).join(' ') || 'none';
  };

  const sending = new Map<number, number>();
  const inFlightTo = (life: Life) => sending.get(life.n) ?? 0;
  let waiters: Array<() => void> = [];
  /** Resolves once `done()` holds; checked after every ack. */
  const progress = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (done() ? resolve() : waiters.push(check));
      check();
    });

  /** One attempt at a command; true when it got its 200. */
  async function attempt(c: Command): Promise<boolean> {
    const life = await up();
    sending.set(life.n, inFlightTo(life) + 1);
    const status = await post(life, c.form);
    sending.set(life.n, inFlightTo(life) - 1);
    c.attempts.push({ life: life.n, status });
    if (status === 200) {
      c.ackedIn = life.n;
      const ready = waiters;
      waiters = [];
      for (const w of ready) w();
      return true;
    }
    // Back off before the retry: until this process is gone (a kill), or a moment when it is alive.
    await Promise.race([life.exited, new Promise((r) => setTimeout(r, 100))]);
    return false;
  }

  /** Sends every command until each has had its 200, WIDTH requests in flight at a time. */
  const storm = () => sendUntilAccepted(commands, WIDTH, attempt);

  // ── The run ───────────────────────────────────────────────────────────────
  let store: StateStore | undefined;
  try {
    // The customer channel is bound to organisation acme the Slack way, before anything is killed.
    const first = await startLife(1);
    const setup = slash(ADMIN, '/aftercare', 'org acme', 'org');
    expect(await post(first, setup)).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'response_url:org' || (c.method === 'chat.postMessage' && c.body.channel === CHANNEL)), 15_000);
    mark('channel bound to acme');

    const sent = storm();
    const last = await within(
      (async () => {
        for (let k = 1; k <= KILLS; k++) {
          const life = k === 1 ? first : await startLife(k);
          const target = Math.min(COMMANDS, acked() + between(KILL_AFTER_ACKS));
          const delay = between(KILL_DELAY_MS);
          await progress(() => acked() >= target);
          // What this process has taken in, it works on; new requests wait for the next one.
          if (current === life) current = undefined;
          await new Promise((r) => setTimeout(r, delay));
          await kill(life, `${target} acks reached, then ${delay} ms`);
        }
        const final = await startLife(KILLS + 1);
        await sent;
        return final;
      })(),
      crashed,
      STORM_DEADLINE_MS,
      () => `the storm did not finish within ${STORM_DEADLINE_MS} ms: ${acked()}/${COMMANDS} acknowledged; answers so far: ${statuses()}\n${timeline.join('\n')}\n${output.slice(-40).join('\n')}`,
    );
    mark('every command acknowledged');

    // Let the last process finish: nothing pending in the inbox, and the ticket count settled.
    store = await openStore(storeUrl);
    const s = store;
    const drain = await settle(crashed, async () => ({
      pending: (await s.inboxPending(1000)).length,
      tickets: await s.counter(keys.seq('SUP')),
    }));
    mark(`drain: ${drain.settled ? 'settled' : 'deadline passed'} with ${drain.last.pending} pending, ${drain.last.tickets} ticket ids issued`);
    await store.close();
    store = undefined;

    stopping.add(last.proc);
    last.proc.kill('SIGTERM');
    await last.exited;
    mark(`life ${last.n} stopped (${last.proc.exitCode ?? last.proc.signalCode})`);

    // ── What the store holds ────────────────────────────────────────────────
    store = await openStore(storeUrl);
    const issued = await store.counter(keys.seq('SUP'));
    const ids = Array.from({ length: issued }, (_, i) => `SUP-${i + 1}`);
    const values = await store.getMany<{ id: string; title: string }>(ids.map((id) => keys.ticket(id)));
    const indexed = (await store.zrange(keys.ticketsAll(), -Infinity, Infinity)).map((m) => m.member);
    const inbox = await store.inboxPending(1000);
    await store.close();
    store = undefined;

    const tickets = values.flatMap((t, i) => (t ? [{ key: ids[i]!, ...t }] : []));
    const byTitle = new Map<string, string[]>();
    for (const t of tickets) byTitle.set(t.title, [...(byTitle.get(t.title) ?? []), t.id]);
    const stored = new Set(tickets.map((t) => t.key));
    const report = {
      acknowledgedWithoutTicket: commands.filter((c) => c.ackedIn !== undefined && !byTitle.has(c.title)).map((c) => `${c.title} (acked in life ${c.ackedIn}, attempts ${c.attempts.map((a) => `${a.life}:${a.status}`).join(' ')})`),
      titlesWithSeveralTickets: [...byTitle].filter(([, list]) => list.length > 1).map(([title, list]) => `${title}: ${list.join(', ')}`),
      ticketsNotFromTheStorm: [...byTitle.keys()].filter((title) => !commands.some((c) => c.title === title)),
      repeatedTicketIds: duplicates(tickets.map((t) => t.id)),
      ticketsStoredUnderAnotherId: tickets.filter((t) => t.id !== t.key).map((t) => `${t.key} holds ${t.id}`),
      indexEntriesWithoutTicket: indexed.filter((id) => !stored.has(id)),
      ticketsMissingFromIndex: [...stored].filter((id) => !indexed.includes(id)),
      inboxStillPending: inbox.map((e) => e.id),
    };
    const retried = commands.filter((c) => c.attempts.length > 1).length;
    const summary = [
      `seed ${seed} (AFTERCARE_CRASH_SEED=${seed} replays the kill delays); store ${storeUrl}`,
      `${acked()}/${COMMANDS} acknowledged, ${retried} needed more than one request (answers: ${statuses()}); ${tickets.length} tickets stored, ${issued} ids issued, ${byTitle.size} distinct titles`,
      ...timeline,
      '--- process output (last 40 lines) ---',
      ...output.slice(-40),
    ].join('\n');
    if (process.env.AFTERCARE_CRASH_LOG) console.log(`${summary}\n${JSON.stringify(report, null, 2)}`);
    expect(acked(), summary).toBe(COMMANDS);
    expect(report, summary).toEqual({
      acknowledgedWithoutTicket: [],
      titlesWithSeveralTickets: [],
      ticketsNotFromTheStorm: [],
      repeatedTicketIds: [],
      ticketsStoredUnderAnotherId: [],
      indexEntriesWithoutTicket: [],
      ticketsMissingFromIndex: [],
      inboxStillPending: [],
    });
  } finally {
    await store?.close();
    for (const l of lives) if (l.proc.exitCode === null && l.proc.signalCode === null) l.proc.kill('SIGKILL');
    await Promise.all(lives.map((l) => l.exited));
    await fake.close();
  }
}

/**
 * Polls `read` until nothing is pending and the ticket count stayed the same over two reads in a
 * row, or the deadline passes (then the assertions report what was left). Ends at once if the
 * process crashes.
 */
async function settle(crashed: Promise<never>, read: () => Promise<{ pending: number; tickets: number }>): Promise<{ settled: boolean; last: { pending: number; tickets: number } }> {
  const deadline = Date.now() + DRAIN_DEADLINE_MS;
  let last = await read();
  while (Date.now() < deadline) {
    await Promise.race([crashed, new Promise((r) => setTimeout(r, 250))]);
    const now = await read();
    const settled = now.pending === 0 && last.pending === 0 && now.tickets === last.tickets;
    last = now;
    if (settled) return { settled: true, last };
  }
  return { settled: false, last };
}

/** The title a stored inbox event files (`crash-<n>`), if it is one of the storm's. */
function titleOf(event: unknown): string | undefined {
  const text = (event as { text?: unknown } | undefined)?.text;
  return typeof text === 'string' ? /^crash-\d+/.exec(text)?.[0] : undefined;
}

/** `work`, unless `crashed` rejects first or `ms` pass (then fails with `explain()`). */
async function within<T>(work: Promise<T>, crashed: Promise<never>, ms: number, explain: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(explain())), ms);
  });
  try {
    return await Promise.race([work, crashed, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A store URL to read a stopped process's state from: for SQLite a copy of its files (database and WAL). */
function snapshotOf(storeUrl: string): string {
  if (!storeUrl.startsWith('sqlite://')) return storeUrl;
  const path = storeUrl.slice('sqlite://'.length);
  const copy = join(mkdtempSync(join(tmpdir(), 'aftercare-crash-snapshot-')), 'a.sqlite');
  cleanups.push(() => rmSync(dirname(copy), { recursive: true, force: true }));
  copyFileSync(path, copy);
  if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
  return `sqlite://${copy}`;
}

function duplicates(list: string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(list.filter((x) => (seen.has(x) ? true : (seen.add(x), false))))];
}

