/**
 * Alert storm (npm run bench:storm): posts N Alertmanager alerts (default 10,000) over S seconds
 * (default 60) in G groups (default 200) to /hooks/alertmanager, the way Alertmanager sends them
 * (one version 4 payload per group, new alerts each time), and prints:
 *   accepted (alerts in payloads answered 2xx), stored (distinct alerts the store holds), lost,
 *   messages sent per subscribed channel (posts and in-place updates), the largest per-channel rate
 *   in any 1 s window against the adapter's pacing limit, and the time from the first alert to the
 *   first message (target < 1 s).
 * aftercare runs in this process on a temp SQLite store (AFTERCARE_STORE overrides), with three
 * playground channels subscribed to alerts.
 * Options: --alerts 10000 --seconds 60 --groups 200 --check (exit 1 when lost > 0 or a target is missed)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startApp } from '../server/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/core/log.js';
import { keys } from '../src/core/keys.js';
import type { ConversationRef } from '../src/core/types.js';
import type { Alert } from '../src/domain/alerts/service.js';

const { values: opt } = parseArgs({
  options: {
    alerts: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '60' },
    groups: { type: 'string', default: '200' },
    check: { type: 'boolean', default: false },
  },
});
const N = Number(opt.alerts);
const SECONDS = Number(opt.seconds);
const G = Number(opt.groups);
const TOKEN = 'bench-hook-token';

const store = process.env.AFTERCARE_STORE ?? `sqlite://${join(mkdtempSync(join(tmpdir(), 'aftercare-storm-')), 'storm.sqlite')}`;
const app = await startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: store, AFTERCARE_HOOK_TOKEN: TOKEN, AFTERCARE_PLAYGROUND: 'on', AFTERCARE_TIMER_POLL_MS: '1000' }), {
  log: createLogger({ level: 'error' }),
});
const channels = ['engineering', 'oncall-a', 'oncall-b'];
const ref = (channelId: string): ConversationRef => ({ platform: 'playground', tenantId: 'local', channelId });
for (const c of channels.slice(1)) await app.services.directory.subscribe('playground', { topic: 'alerts', conversation: ref(c) });

// Record every send the playground adapter makes.
const adapter = app.outbox.adapter('playground')!;
const sends: Array<{ channel: string; at: number; kind: 'post' | 'update' }> = [];
const { post, update } = adapter;
adapter.post = async (r, m) => {
  sends.push({ channel: r.channelId, at: Date.now(), kind: 'post' });
  return post.call(adapter, r, m);
};
adapter.update = async (s, m) => {
  sends.push({ channel: s.conversation.channelId, at: Date.now(), kind: 'update' });
  return update.call(adapter, s, m);
};

const payload = (g: number, fps: number[]) => ({
  receiver: 'aftercare',
  status: 'firing',
  alerts: fps.map((i) => ({
    status: 'firing',
    labels: { alertname: `StormRule${g}`, instance: `host-${i}`, severity: i % 3 === 0 ? 'critical' : 'warning', system: `sys-${g % 10}` },
    annotations: { summary: `StormRule${g} on host-${i}` },
    startsAt: new Date().toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.local/graph',
    fingerprint: `fp${String(i).padStart(6, '0')}`,
  })),
  groupLabels: { alertname: `StormRule${g}` },
  commonLabels: { alertname: `StormRule${g}`, system: `sys-${g % 10}` },
  commonAnnotations: {},
  externalURL: 'http://alertmanager.local:9093',
  version: '4',
  groupKey: `{}:{alertname="StormRule${g}"}`,
  truncatedAlerts: 0,
});

let accepted = 0;
let rejected = 0;
let sent = 0;
const start = Date.now();
const TICK_MS = 250;
const inFlight = new Set<Promise<void>>();
while (sent < N) {
  const due = Math.min(N, Math.ceil((N * (Date.now() - start + TICK_MS)) / (SECONDS * 1000)));
  const byGroup = new Map<number, number[]>();
  for (let i = sent; i < due; i++) byGroup.set(i % G, [...(byGroup.get(i % G) ?? []), i]);
  sent = due;
  for (const [g, fps] of byGroup) {
    const p = fetch(`${app.url}/hooks/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(payload(g, fps)) })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.ok) accepted += fps.length;
        else rejected += fps.length;
      })
      .catch(() => {
        rejected += fps.length;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    while (inFlight.size >= 16) await Promise.race(inFlight);
  }
  await new Promise((r) => setTimeout(r, Math.max(0, start + ((sent * SECONDS * 1000) / N) - Date.now())));
}
await Promise.all(inFlight);
const postedIn = (Date.now() - start) / 1000;
await app.outbox.drain(120_000);

const ids = await app.store.zrange(keys.alertsAll(), -Infinity, Infinity);
const alerts = (await app.store.getMany<Alert>(ids.map((m) => keys.alert(m.member)))).filter((a): a is Alert => a !== undefined);
const stored = alerts.reduce((n, a) => n + a.count, 0);
const lost = accepted - stored;
const firstMessage = sends.length ? Math.min(...sends.map((s) => s.at)) - start : undefined;
const limits = adapter.limits;
const perChannel = channels.map((c) => {
  const list = sends.filter((s) => s.channel === c).map((s) => s.at).sort((a, b) => a - b);
  let maxWindow = 0;
  for (let i = 0, j = 0; i < list.length; i++) {
    while (list[i]! - list[j]! >= 1000) j++;
    maxWindow = Math.max(maxWindow, i - j + 1);
  }
  return { channel: c, posts: sends.filter((s) => s.channel === c && s.kind === 'post').length, updates: sends.filter((s) => s.channel === c && s.kind === 'update').length, maxPerSecond: maxWindow };
});
const maxRate = Math.max(...perChannel.map((p) => p.maxPerSecond));
const allowed = limits.perConversationPerSecond + limits.perConversationBurst;

console.log(`alert storm: ${N} alerts in ${G} groups posted over ${postedIn.toFixed(1)} s (${store.split(':')[0]})`);
console.log(`accepted ${accepted}  rejected ${rejected}  stored ${stored}  lost ${lost}  (alerts open as ${alerts.length} grouped ALRs)`);
for (const p of perChannel) console.log(`  #${p.channel}: ${p.posts} messages posted, ${p.updates} in-place updates, max ${p.maxPerSecond} sends in any 1 s`);
console.log(`largest per-channel rate ${maxRate}/s (pacing: ${limits.perConversationPerSecond}/s, burst ${limits.perConversationBurst} → at most ${allowed} in 1 s) ${maxRate <= allowed ? 'OK' : 'OVER'}`);
console.log(`first alert → first message: ${firstMessage ?? '–'} ms (target < 1000) ${firstMessage !== undefined && firstMessage < 1000 ? 'OK' : 'MISSED'}`);
await app.stop();
if (opt.check && (lost !== 0 || maxRate > allowed || firstMessage === undefined || firstMessage >= 1000)) process.exit(1);
