/**
 * `npm run bench:lifecycle` (also the last figure of `npm run bench:chat`) — full ticket
 * lifecycles per second, and store operations per lifecycle, on SQLite and on Redis.
 *
 * A lifecycle: a customer files `/issue Printer jams sev:S2` in a customer channel (bound to
 * organisation acme); an engineer runs `/issue ack SUP-n`, `/issue comment SUP-n …` and
 * `/issue resolve SUP-n fixed-in:1.2.3 cause:config`; the customer answers the CSAT survey card that the
 * resolution pushes to them (clicks "5"). The engineers' channel is subscribed to tickets, so the
 * pushes a real deployment makes are made.
 *
 * It runs in-process: aftercare is started with `startApp(config, { store })` (playground platform
 * off, no chat platform), and events go in through its inbound pipeline (`running.inbound.receive`:
 * inbox write, queue, core, reply) as `playground` deliveries. Pushes go through the real outbox to
 * a recording adapter registered for the `playground` platform, which is where the customer finds
 * the survey card. `--concurrency` lifecycles run at once (closed loop) for `--seconds`; the
 * figure is lifecycles completed per second of wall time.
 *
 * Store operations: the store passed to startApp is wrapped in a Proxy that counts every method
 * call (all but `kind`) from the first measured lifecycle until the inbox and the outbox have
 * drained after the last one — background work (outbox sends, SLA timers, the inbox poll) included.
 * Printed per lifecycle, in total and by method.
 *
 * Redis runs only with `--redis redis://host:port/db` or AFTERCARE_TEST_REDIS_URL; use a scratch
 * database (the bench writes tickets there and does not clean up). A throwaway server:
 *   redis-server --port 6390 --save '' --appendonly no --daemonize yes   (then --redis redis://127.0.0.1:6390)
 *
 * PostgreSQL runs only with `--postgres postgres://…/<scratch database>`. Several processes on
 * one store: `npm run bench:replicas` (bench/replicas.ts).
 *
 * Options: --seconds 5 (per store) --concurrency 8 --redis <url> --postgres <url>
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startApp, type RunningApp } from '../server/app.js';
import { loadConfig } from '../src/config.js';
import { currentDelivery } from '../src/core/effects.js';
import { createLogger } from '../src/core/log.js';
import type { ChatAdapter, Reply } from '../src/core/ports.js';
import type { StateStore } from '../src/core/store.js';
import type { ConversationRef, InboundEvent, OutboundMessage } from '../src/core/types.js';
import { openStore } from '../src/state/store.js';
import { percentile } from './support.js';

export interface LifecycleOptions {
  /** Measured seconds per store. */
  seconds: number;
  /** Lifecycles in flight at once. */
  concurrency: number;
  redisUrl?: string;
  /** A PostgreSQL database to write to (a scratch one: the bench does not clean up). */
  postgresUrl?: string;
}

const CUSTOMER_CHANNEL = 'support-acme';
const ENGINEERS_CHANNEL = 'engineering';
const ENGINEER = 'eng';
/** Customers take turns filing (each has a per-reporter ticket index). */
const CUSTOMERS = 50;
const STEP_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------- counting store
interface CountingStore {
  store: StateStore;
  /** Calls by method since the last reset. */
  counts: Map<string, number>;
  /** Of those, the calls made by processing deliveries (inbox write through reply, pushes queued). */
  delivery: Map<string, number>;
  reset(): void;
}

/** `store` behind a Proxy that counts every method call (not `kind`, a property). */
function countingStore(store: StateStore): CountingStore {
  const counts = new Map<string, number>();
  const delivery = new Map<string, number>();
  const wrapped = new Map<PropertyKey, (...args: unknown[]) => unknown>();
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        const method = value as (...args: unknown[]) => unknown;
        fn = (...args: unknown[]) => {
          counts.set(prop, (counts.get(prop) ?? 0) + 1);
          if (currentDelivery() !== undefined || prop === 'inboxAdd' || prop === 'inboxRemove') delivery.set(prop, (delivery.get(prop) ?? 0) + 1);
          return method.apply(target, args);
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
  return {
    store: proxy,
    counts,
    delivery,
    reset: () => {
      counts.clear();
      delivery.clear();
    },
  };
}

// ---------------------------------------------------------------- the platform stand-in
/** A `playground` adapter that records nothing but the CSAT survey cards, by ticket id. */
function surveyInbox(): { adapter: ChatAdapter; survey(ticketId: string): Promise<string> } {
  const arrived = new Map<string, string>();
  const waiting = new Map<string, (value: string) => void>();
  let n = 0;
  const seen = (message: OutboundMessage) => {
    const five = message.card?.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : [])).find((b) => b.actionId === 'survey.answer' && b.label === '5');
    const ticket = /\bSUP-\d+\b/.exec(message.text)?.[0];
    if (!five?.value || !ticket) return;
    const waiter = waiting.get(ticket);
    if (waiter) {
      waiting.delete(ticket);
      waiter(five.value);
    } else arrived.set(ticket, five.value);
  };
  const adapter: ChatAdapter = {
    platform: 'playground',
    capabilities: { ephemeral: true, updateInPlace: true, modals: true, images: true },
    limits: { perConversationPerSecond: 100_000, perConversationBurst: 100_000, perAppPerSecond: 100_000 },
    async post(ref, message) {
      seen(message);
      return { conversation: ref, messageId: `m${++n}` };
    },
    async update() {},
  };
  return {
    adapter,
    survey(ticketId) {
      const value = arrived.get(ticketId);
      if (value) {
        arrived.delete(ticketId);
        return Promise.resolve(value);
      }
      return withTimeout(new Promise<string>((r) => waiting.set(ticketId, r)), `the CSAT survey of ${ticketId}`);
    },
  };
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------- driving the inbound pipeline
type Body = { kind: 'command'; command: string; text: string } | { kind: 'action'; actionId: string; value: string };

/** Sends commands and clicks as playground deliveries through `running`'s inbound pipeline; each resolves with the reply shown. */
export function driver(running: RunningApp) {
  const run = randomUUID().slice(0, 8);
  let seq = 0;
  const conversation = (channelId: string): ConversationRef => ({ platform: 'playground', tenantId: 'local', channelId });

  /** Delivers one event as `user` in `channel`; resolves with the reply the pipeline shows. */
  async function deliver(user: string, channel: string, body: Body): Promise<Reply> {
    const base = { id: `lc-${run}-${++seq}`, actor: { platform: 'playground' as const, id: user, displayName: user, locale: 'en' }, conversation: conversation(channel), receivedAt: Date.now() };
    const event: InboundEvent = body.kind === 'command' ? { ...base, ...body } : { ...base, ...body };
    const reply = withTimeout(
      new Promise<Reply>((show) => {
        running.inbound.receive(event, { show: async (r) => show(r) }).then(
          (receipt) => receipt === 'duplicate' && show({ messages: [{ text: `⚠️ duplicate delivery ${event.id}` }], locale: 'en' }),
          (e: unknown) => show({ messages: [{ text: `⚠️ not received: ${String(e)}` }], locale: 'en' }),
        );
      }),
      `the reply to ${body.kind === 'command' ? `/${body.command} ${body.text}` : body.actionId}`,
    );
    const r = await reply;
    const refused = r.messages.find((m) => m.text.startsWith('⚠'));
    if (refused) throw new Error(`${user} in ${channel}: ${refused.text}`);
    return r;
  }

  const command = (user: string, channel: string, line: string) => {
    const [name = '', ...rest] = line.replace(/^\//, '').split(' ');
    return deliver(user, channel, { kind: 'command', command: name, text: rest.join(' ') });
  };
  const click = (user: string, channel: string, actionId: string, value: string) => deliver(user, channel, { kind: 'action', actionId, value });
  return { command, click };
}
export type LifecycleDriver = ReturnType<typeof driver>;

// ---------------------------------------------------------------- one store
interface StoreResult {
  store: string;
  lifecycles: number;
  seconds: number;
  latencies: number[];
  counts: Map<string, number>;
  /** Of `counts`, the calls made while processing deliveries. */
  delivery: Map<string, number>;
}

async function measure(storeUrl: string, options: LifecycleOptions): Promise<StoreResult> {
  const counting = countingStore(await openStore(storeUrl));
  const running = await startApp(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: storeUrl, AFTERCARE_PLAYGROUND: 'off', AFTERCARE_ADMINS: 'playground:root', AFTERCARE_LOG_LEVEL: 'error' }),
    { store: counting.store, log: createLogger({ level: 'error' }) },
  );
  try {
    const surveys = surveyInbox();
    running.outbox.register(surveys.adapter);
    const { command, click } = driver(running);
    await command('root', CUSTOMER_CHANNEL, '/aftercare org acme');
    await command('root', ENGINEERS_CHANNEL, '/aftercare subscribe tickets');
    await running.services.directory.setRole('playground:root', `playground:${ENGINEER}`, 'engineer');

    let filed = 0;
    const lifecycle = async (): Promise<number> => {
      const started = performance.now();
      const customer = `cust${filed++ % CUSTOMERS}`;
      const reply = await command(customer, CUSTOMER_CHANNEL, '/issue Printer jams on tray 2 sev:S2');
      const id = /\bSUP-\d+\b/.exec(reply.messages.map((m) => m.text).join(' '))?.[0];
      if (!id) throw new Error(`no ticket id in the reply to /issue: ${reply.messages[0]?.text}`);
      await command(ENGINEER, ENGINEERS_CHANNEL, `/issue ack ${id}`);
      await command(ENGINEER, ENGINEERS_CHANNEL, `/issue comment ${id} Reproduced; a fix is on its way`);
      await command(ENGINEER, ENGINEERS_CHANNEL, `/issue resolve ${id} fixed-in:1.2.3 cause:config`);
      await click(customer, CUSTOMER_CHANNEL, 'survey.answer', await surveys.survey(id));
      return performance.now() - started;
    };
    const workers = async (until: () => boolean): Promise<number[]> => {
      const latencies: number[] = [];
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (until()) latencies.push(await lifecycle());
        }),
      );
      return latencies;
    };
    const settle = async () => {
      await running.inbound.drain();
      await running.outbox.drain();
    };

    // Warm-up (not counted): a couple of rounds of lifecycles.
    let warm = options.concurrency * 3;
    await workers(() => warm-- > 0);
    await settle();

    counting.reset();
    const start = performance.now();
    const deadline = start + options.seconds * 1000;
    const latencies = await workers(() => performance.now() < deadline);
    const seconds = (performance.now() - start) / 1000;
    await settle();
    return { store: running.store.kind, lifecycles: latencies.length, seconds, latencies: latencies.sort((a, b) => a - b), counts: new Map(counting.counts), delivery: new Map(counting.delivery) };
  } finally {
    await running.stop();
  }
}

// ---------------------------------------------------------------- report
export async function runLifecycleBench(options: LifecycleOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-bench-lifecycle-'));
  const results: StoreResult[] = [];
  try {
    results.push(await measure(`sqlite://${join(dir, 'lifecycle.sqlite')}`, options));
    if (options.redisUrl) results.push(await measure(options.redisUrl, options));
    if (options.postgresUrl) results.push(await measure(options.postgresUrl, options));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const total = (r: StoreResult) => [...r.counts.values()].reduce((a, b) => a + b, 0);
  const onDeliveries = (r: StoreResult) => [...r.delivery.values()].reduce((a, b) => a + b, 0);
  console.log(
    `\nTicket lifecycles in-process (file → ack → comment → resolve → CSAT answer), ${options.concurrency} at a time, ${options.seconds} s per store` +
      `${options.redisUrl ? '' : ' (Redis: pass --redis <url> or set AFTERCARE_TEST_REDIS_URL)'}\n`,
  );
  console.log(
    `${'store'.padEnd(8)}${'lifecycles'.padStart(11)}${'per s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'ops/lifecycle'.padStart(15)}${'processing'.padStart(12)}${'sending'.padStart(9)}`,
  );
  for (const r of results) {
    const f = (v: number) => v.toFixed(1).padStart(9);
    const perLifecycle = (n: number) => (n / r.lifecycles).toFixed(1);
    console.log(
      `${r.store.padEnd(8)}${String(r.lifecycles).padStart(11)}${f(r.lifecycles / r.seconds)}${f(percentile(r.latencies, 50))}${f(percentile(r.latencies, 99))}` +
        `${perLifecycle(total(r)).padStart(15)}${perLifecycle(onDeliveries(r)).padStart(12)}${perLifecycle(total(r) - onDeliveries(r)).padStart(9)}`,
    );
  }
  console.log('processing: store calls made by the five deliveries themselves (inbox write → command → pushes queued → reply → inbox cleared); sending: the outbox delivering the pushes, timers and polls.');
  const methods = [...new Set(results.flatMap((r) => [...r.counts.keys()]))].sort((a, b) => (results[0]!.counts.get(b) ?? 0) - (results[0]!.counts.get(a) ?? 0));
  console.log(`\nstore operations per lifecycle, by method`);
  console.log(`${'method'.padEnd(14)}${results.map((r) => r.store.padStart(9)).join('')}`);
  for (const m of methods) console.log(`${m.padEnd(14)}${results.map((r) => ((r.counts.get(m) ?? 0) / r.lifecycles).toFixed(2).padStart(9)).join('')}`);
}

// Run directly (`npm run bench:lifecycle`), not when bench/chat.ts imports it.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '8' },
      redis: { type: 'string' },
      postgres: { type: 'string' },
    },
  });
  runLifecycleBench({ seconds: Number(values.seconds), concurrency: Number(values.concurrency), redisUrl: values.redis ?? process.env.AFTERCARE_TEST_REDIS_URL, postgresUrl: values.postgres }).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
