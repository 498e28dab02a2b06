/**
 * `npm run bench:teams`: latency of a Teams command activity through aftercare against a bare
 * CloudAdapter bot that only replies, in the same run, on loopback with a fake Bot Connector.
 *
 * - ack: POST /api/messages → HTTP response (what the Bot Connector waits for). The bare bot
 *   answers after its in-turn reply; aftercare answers once the delivery is claimed and stored.
 * - reply: POST → the reply activity reaching the connector (end-to-end, command work included).
 *
 * Rounds alternate between the two bots so drift on a shared machine hits both alike.
 * Options: --n <per round> (default 200), --rounds <n> (default 5), --command "<text>".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import express from 'express';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/core/log.js';
import { percentile } from './support.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const PER_ROUND = Number(opt('n', '200'));
const ROUNDS = Number(opt('rounds', '5'));
const COMMAND = opt('command', 'aftercare help');
const WARMUP = 30;

/** A minimal fake Bot Connector: answers every call and resolves whoever waits for a reply to an activity id. */
async function startConnector(): Promise<{ url: string; waitReply(activityId: string): Promise<void>; close(): Promise<void> }> {
  const waiting = new Map<string, () => void>();
  const arrived = new Set<string>();
  let seq = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const m = /\/activities\/([^/?]+)$/.exec(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `1:bench-${++seq}` }));
      if (!m) return;
      const id = decodeURIComponent(m[1]!);
      const done = waiting.get(id);
      if (done) {
        waiting.delete(id);
        done();
      } else arrived.add(id);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/amer/`,
    waitReply: (id) =>
      arrived.delete(id)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no reply to ${id}`)), 15_000);
            waiting.set(id, () => (clearTimeout(timer), resolve()));
          }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The baseline: express + CloudAdapter with no app id, replying "pong" in the turn. */
async function startBareBot(): Promise<{ url: string; close(): Promise<void> }> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const app = express();
  app.post('/api/messages', express.json(), (req, res) => {
    void adapter.process(req, res, async (ctx) => {
      if (ctx.activity.type === 'message') await ctx.sendActivity('pong');
    });
  });
  const server: Server = await new Promise((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let seq = 0;
function activity(serviceUrl: string, text: string) {
  const id = String(1_800_000_000_000 + ++seq);
  return {
    type: 'message',
    id,
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from: { id: `29:user-${seq % 20}`, name: 'Bench User', aadObjectId: `aad-bench-${seq % 20}` },
    recipient: { id: '28:bench-bot', name: 'Aftercare' },
    conversation: { id: `a:bench-chat-${seq % 20}`, conversationType: 'personal', tenantId: 'bench-tenant' },
    channelData: { tenant: { id: 'bench-tenant' } },
    locale: 'en-US',
    text,
  };
}

async function once(baseUrl: string, connector: Awaited<ReturnType<typeof startConnector>>): Promise<{ ack: number; reply: number }> {
  const a = activity(connector.url, COMMAND);
  const started = performance.now();
  const replied = connector.waitReply(a.id).then(() => performance.now() - started);
  const res = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(a) });
  await res.arrayBuffer();
  const ack = performance.now() - started;
  if (res.status !== 200) throw new Error(`HTTP ${res.status} from ${baseUrl}`);
  return { ack, reply: await replied };
}

const pct = (values: number[], p: number): number => percentile([...values].sort((x, y) => x - y), p);

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'bench-teams-'));
  const connector = await startConnector();
  const bare = await startBareBot();
  const aftercare = await startApp(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      AFTERCARE_STORE: `sqlite://${join(tmp, 'bench.sqlite')}`,
      AFTERCARE_PLAYGROUND: 'off',
      TEAMS_ENABLED: 'true',
    }),
    { log: createLogger({ level: 'error' }) },
  );
  const results = { aftercare: { ack: [] as number[], reply: [] as number[] }, bare: { ack: [] as number[], reply: [] as number[] } };
  try {
    for (let i = 0; i < WARMUP; i++) {
      await once(aftercare.url, connector);
      await once(bare.url, connector);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, url] of [['aftercare', aftercare.url], ['bare', bare.url]] as const) {
        for (let i = 0; i < PER_ROUND; i++) {
          const r = await once(url, connector);
          results[name].ack.push(r.ack);
          results[name].reply.push(r.reply);
        }
      }
    }
  } finally {
    await aftercare.stop();
    await bare.close();
    await connector.close();
    rmSync(tmp, { recursive: true, force: true });
  }

  const n = PER_ROUND * ROUNDS;
  console.log(`Teams command "${COMMAND}": ${n} activities per bot, sequential, loopback, fake Bot Connector`);
  console.log('');
  console.log('                       ack p50     ack p99   reply p50   reply p99');
  for (const name of ['aftercare', 'bare'] as const) {
    const r = results[name];
    const label = name === 'bare' ? 'bare CloudAdapter bot' : 'aftercare';
    console.log(`${label.padEnd(22)}${fmt(pct(r.ack, 50)).padStart(9)}${fmt(pct(r.ack, 99)).padStart(12)}${fmt(pct(r.reply, 50)).padStart(12)}${fmt(pct(r.reply, 99)).padStart(12)}`);
  }
  const ackRatio = pct(results.aftercare.ack, 99) / pct(results.bare.ack, 99);
  const replyRatio = pct(results.aftercare.reply, 99) / pct(results.bare.reply, 99);
  console.log('');
  console.log(`ratio at p99 (ack, aftercare / bare): ${ackRatio.toFixed(2)}x  (target ≤ 1.5x) ${ackRatio <= 1.5 ? 'OK' : 'ABOVE TARGET'}`);
  console.log(`ratio at p99 (reply, end-to-end):      ${replyRatio.toFixed(2)}x  (aftercare runs the command; the bare bot only says pong)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
