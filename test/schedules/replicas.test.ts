import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/log.js';
import { keys } from '../../src/core/keys.js';
import type { StateStore } from '../../src/core/store.js';
import { createServices, type Services } from '../../src/domain/index.js';
import { openStore } from '../../src/state/store.js';
import { TOKEN, feed, freePort, postHook, waitFor } from '../hooks/support.js';
import { freshPostgresUrl, testPostgresUrl } from '../helpers/env.js';

/**
 * Three aftercare processes on one shared store, for each store that runs replicas: Redis (CI's,
 * AFTERCARE_TEST_REDIS_URL on a database of our own, or one started here) and PostgreSQL (a fresh
 * database on AFTERCARE_TEST_POSTGRES_URL).
 */
const backends: Array<[string, () => Promise<{ url: string; stop?: () => void }>]> = [['Redis', sharedRedis]];
if (testPostgresUrl()) backends.push(['PostgreSQL', async () => ({ url: await freshPostgresUrl('replicas') })]);

async function sharedRedis(): Promise<{ url: string; stop?: () => void }> {
  const base = process.env.AFTERCARE_TEST_REDIS_URL;
  let url: string;
  let stop: (() => void) | undefined;
  if (base) url = `${base.replace(/\/\d*$/, '')}/13`;
  else {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-redis-'));
    execFileSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'yes', '--pidfile', join(dir, 'redis.pid')]);
    url = `redis://127.0.0.1:${port}/0`;
    stop = () => process.kill(Number(readFileSync(join(dir, 'redis.pid'), 'utf8').trim()));
    await waitFor(async () => {
      try {
        return execFileSync('redis-cli', ['-u', url, 'ping'], { encoding: 'utf8' }).includes('PONG');
      } catch {
        return false;
      }
    });
  }
  execFileSync('redis-cli', ['-u', url, 'flushdb']);
  return { url, stop };
}

const replicas: Array<{ proc: ChildProcess; url: string; lines: string[] }> = [];

afterAll(() => {
  for (const r of replicas) if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
});

function startReplica(storeUrl: string, env: Record<string, string>): Promise<(typeof replicas)[number]> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/schedules/replica.ts'], {
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      AFTERCARE_STORE: storeUrl,
      AFTERCARE_HOOK_TOKEN: TOKEN,
      AFTERCARE_PLAYGROUND: 'on',
      AFTERCARE_SLA: '{"S1":{"respondMin":0.02}}',
      AFTERCARE_DIGEST_CRON: '0 0 1 1 *',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        const m = /^READY (\S+)/.exec(line);
        if (m) {
          const r = { proc, url: m[1]!, lines };
          replicas.push(r);
          resolve(r);
        }
      }
    });
    proc.on('exit', (code) => reject(new Error(`replica exited with ${code}`)));
  });
}

const renotified = async (url: string, id: string) => (await feed({ url }, 'engineering')).filter((m) => m.text.includes(`${id} (critical) has not been acknowledged`));
const paged = async (url: string, id: string) => (await feed({ url }, 'escalations')).filter((m) => m.text.includes(`Alert ${id} was escalated`));

describe.each(backends)('three aftercare processes on one %s', (_name, open) => {
  let storeUrl: string;
  let stop: (() => void) | undefined;
  let store: StateStore;
  let services: Services;
  beforeAll(async () => {
    ({ url: storeUrl, stop } = await open());
    store = await openStore(storeUrl);
    services = createServices({ store, config: loadConfig({ AFTERCARE_STORE: storeUrl }), log: createLogger({ level: 'error' }) });
  });
  afterAll(async () => {
    await store?.close();
    stop?.();
  });
  const start = (env: Record<string, string>) => startReplica(storeUrl, env);
  const stopAll = async (list: Array<(typeof replicas)[number]>) => {
    await Promise.all(list.map((r) => new Promise((done) => (r.proc.exitCode !== null ? done(null) : (r.proc.once('exit', done), r.proc.kill('SIGTERM'))))));
  };

  it('fire an escalation timer once and each digest tick once', async () => {
    const env = { AFTERCARE_TIMER_POLL_MS: '50', AFTERCARE_DIGEST_CRON: '*/2 * * * * *' };
    const [a, b, c] = await Promise.all([start(env), start(env), start(env)]);
    const res = await postHook(a!, '/hooks/alerts', { system: 'crm', title: 'CRM down', severity: 'critical', status: 'firing', dedupKey: 'replica-test' });
    const id = (res.json.created as string[])[0]!;
    await waitFor(async () => (await paged(b!.url, id)).length > 0, 20_000);
    await new Promise((r) => setTimeout(r, 4500));
    expect(await renotified(a!.url, id)).toHaveLength(1);
    expect(await paged(c!.url, id)).toHaveLength(1);
    expect((await services.alerts.get(id)).escalations).toBe(1);
    const audit = await services.audit.latest(500);
    expect(audit.filter((e) => e.action === 'alert.sla_renotified' && e.target === id)).toHaveLength(1);

    const slotsSoFar = () =>
      [...a!.lines, ...b!.lines, ...c!.lines]
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg?: string; task?: string; slot?: string; pid?: number })
        .filter((l) => l.msg === 'schedule run' && l.task === 'digest')
        .map((t) => t.slot);
    const slots = slotsSoFar();
    expect(slots.length).toBeGreaterThanOrEqual(2);
    expect(new Set(slots).size).toBe(slots.length);
    // A tick logs its slot before its digest is built and sent: wait for a moment between ticks
    // when every slot has its digest. A slot run twice would keep the digests ahead of the slots.
    let counts: [number, number] = [0, 0];
    await waitFor(async () => {
      const before = slotsSoFar().length;
      const digests = (await feed(a!, 'management')).filter((m) => m.text.startsWith('Digest:')).length;
      counts = [digests, before];
      return digests === before && slotsSoFar().length === before;
    }, 10_000).catch(() => undefined);
    expect(counts[0]).toBe(counts[1]);
    await stopAll([a!, b!, c!]);
  });

  it('share one outbox: alerts reported to any of them are each pushed to the subscribed channel once', async () => {
    const env = { AFTERCARE_TIMER_POLL_MS: '3600000' };
    const three = await Promise.all([start(env), start(env), start(env)]);
    const ids = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const res = await postHook(three[i % 3]!, '/hooks/alerts', { system: 'crm', title: `Disk ${i} full`, severity: 'warning', status: 'firing', dedupKey: `shared-outbox-${i}` });
        expect(res.status).toBe(200);
        return (res.json.created as string[])[0]!;
      }),
    );
    expect(new Set(ids).size).toBe(30);
    const pushed = async () => (await feed(three[0]!, 'engineering')).filter((m) => /Disk \d+ full/.test(m.text));
    await waitFor(async () => (await pushed()).length >= 30, 20_000);
    // Two stop (draining what they hold); the third shows the channel as the outbox left it.
    await stopAll(three.slice(1));
    const byAlert = new Map<string, number>();
    for (const m of await pushed()) for (const id of ids) if (new RegExp(`\\b${id}\\b`).test(m.text)) byAlert.set(id, (byAlert.get(id) ?? 0) + 1);
    expect([...byAlert.values()]).toEqual(Array.from({ length: 30 }, () => 1));
    await stopAll(three);
  });

  it('lose no timer when a process is killed with SIGKILL while the timer is due: the restarted one fires it', async () => {
    const lazy = await start({ AFTERCARE_TIMER_POLL_MS: '3600000' });
    const res = await postHook(lazy, '/hooks/alerts', { system: 'crm', title: 'ERP down', severity: 'critical', status: 'firing', dedupKey: 'killed-test' });
    const id = (res.json.created as string[])[0]!;
    await new Promise((r) => setTimeout(r, 1600));
    lazy.proc.kill('SIGKILL');
    await new Promise((r) => lazy.proc.once('exit', r));
    const restarted = await Promise.all([start({ AFTERCARE_TIMER_POLL_MS: '50' }), start({ AFTERCARE_TIMER_POLL_MS: '50' })]);
    await waitFor(async () => (await paged(restarted[0]!.url, id)).length > 0, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await renotified(restarted[1]!.url, id)).toHaveLength(1);
    expect(await paged(restarted[0]!.url, id)).toHaveLength(1);
    await stopAll(restarted);
  });

  it('with 300 due escalation timers and one replica killed (SIGKILL) at each stage, re-notify and page every timeline exactly once', async () => {
    // A store of its own (Redis: the database flushed again; PostgreSQL: a fresh database), so the
    // playground's seeded channels do not take every push.
    await store.close();
    ({ url: storeUrl } = await open());
    store = await openStore(storeUrl);
    services = createServices({ store, config: loadConfig({ AFTERCARE_STORE: storeUrl }), log: createLogger({ level: 'error' }) });
    // Channels of our own instead of the playground's seeded ones: 20 systems, each with an
    // engineers' channel (alerts) and an escalation channel, so pushes are not paced behind one.
    await store.claim(keys.playgroundSeeded(), 3600_000);
    const SYSTEMS = 20;
    const ALERTS = 300;
    const conv = (channelId: string) => ({ platform: 'playground' as const, tenantId: 'local', channelId });
    for (let n = 0; n < SYSTEMS; n++) {
      await services.directory.subscribe('test', { topic: 'alerts', system: `s${n}`, conversation: conv(`eng-s${n}`) });
      await services.directory.subscribe('test', { topic: 'escalations', system: `s${n}`, conversation: conv(`esc-s${n}`) });
    }
    // Critical alerts answer in 9 s (S1), and escalate 4.5 s after the re-notification.
    const env = { AFTERCARE_TIMER_POLL_MS: '50', AFTERCARE_SLA: '{"S1":{"respondMin":0.15}}' };
    let [a, b] = await Promise.all([start(env), start(env)]);
    const ids: string[] = [];
    for (let i = 0; i < ALERTS; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, ALERTS - i) }, (_, j) =>
          postHook(i % 50 ? a! : b!, '/hooks/alerts', { system: `s${(i + j) % SYSTEMS}`, title: `Down ${i + j}`, severity: 'critical', status: 'firing', dedupKey: `storm-${i + j}` }),
        ),
      );
      for (const r of batch) ids.push(...(r.json.created as string[]));
    }
    expect(ids).toHaveLength(ALERTS);

    const audited = async (action: string) => new Set((await services.audit.latest(5000)).filter((e) => e.action === action).map((e) => e.target)).size;
    const escalated = async () => (await store.getMany<{ escalations: number }>(ids.map((id) => keys.alert(id)))).filter((x) => (x?.escalations ?? 0) > 0).length;
    const kill = async (r: (typeof replicas)[number]) => {
      r.proc.kill('SIGKILL');
      if (r.proc.exitCode === null && r.proc.signalCode === null) await new Promise((done) => r.proc.once('exit', done));
    };
    // Stage 1 (re-notification): one replica dies while the timers are being run, another takes its place.
    await waitFor(async () => (await audited('alert.sla_renotified')) >= 40, 60_000, 20);
    const stage1 = await audited('alert.sla_renotified');
    await kill(a!);
    a = await start(env);
    // Stage 2 (escalation and paging): the other one dies.
    await waitFor(async () => (await escalated()) >= 40, 60_000, 20);
    const stage2 = await escalated();
    await kill(b!);
    b = await start(env);
    console.log(`replica kills: the first after ${stage1} of ${ALERTS} re-notifications, the second after ${stage2} of ${ALERTS} escalations`);
    expect(stage1).toBeLessThan(ALERTS);
    expect(stage2).toBeLessThan(ALERTS);

    // The dead replicas' leases lapse (60 s) and the living ones finish their work.
    await waitFor(async () => (await escalated()) === ALERTS && (await store.zcard(keys.outboxConversations())) === 0, 150_000, 500);
    const messages = async (channel: string) => {
      const members = await store.zrange(keys.playgroundFeed(channel), -Infinity, Infinity);
      return (await store.getMany<{ text: string }>(members.map((m) => keys.playgroundMessage(m.member)))).map((m) => m?.text ?? '');
    };
    const renotified = new Map<string, number>();
    const paged = new Map<string, number>();
    for (let n = 0; n < SYSTEMS; n++) {
      for (const text of await messages(`eng-s${n}`)) {
        const id = /(ALR-\d+) \(critical\) has not been acknowledged/.exec(text)?.[1];
        if (id) renotified.set(id, (renotified.get(id) ?? 0) + 1);
      }
      for (const text of await messages(`esc-s${n}`)) {
        const id = /Alert (ALR-\d+) was escalated/.exec(text)?.[1];
        if (id) paged.set(id, (paged.get(id) ?? 0) + 1);
      }
    }
    const twice = ids.filter((id) => renotified.get(id) !== 1 || paged.get(id) !== 1).map((id) => `${id}: re-notified ${renotified.get(id) ?? 0}, paged ${paged.get(id) ?? 0}`);
    expect(twice).toEqual([]);
    const alerts = await store.getMany<{ escalations: number }>(ids.map((id) => keys.alert(id)));
    expect(alerts.map((x) => x?.escalations)).toEqual(ids.map(() => 1));
    for (const r of [a!, b!]) r.proc.kill('SIGTERM');
  }, 300_000);
});
