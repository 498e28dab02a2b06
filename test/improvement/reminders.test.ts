import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSchedules } from '../../server/schedules/index.js';
import { loadConfig } from '../../src/config.js';
import type { ChatAdapter } from '../../src/core/ports.js';
import type { StateStore } from '../../src/core/store.js';
import { createServices, type Services } from '../../src/domain/index.js';
import { openStore } from '../../src/state/store.js';
import { memoryLogger } from '../helpers/env.js';
import { freePort, waitFor } from '../hooks/support.js';

const DAY = 86_400_000;
let redisUrl: string;
let ownRedis: string | undefined;
let clock = Date.parse('2026-09-14T08:00:00Z');
const sent: Array<{ channel: string; text: string; replica: number }> = [];
const replicas: Array<{ store: StateStore; services: Services; stop: () => Promise<void> }> = [];

beforeAll(async () => {
  const base = process.env.AFTERCARE_TEST_REDIS_URL;
  if (base) redisUrl = `${base.replace(/\/\d*$/, '')}/12`;
  else {
    const port = await freePort();
    ownRedis = mkdtempSync(join(tmpdir(), 'aftercare-redis-'));
    execFileSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', ownRedis, '--daemonize', 'yes', '--pidfile', join(ownRedis, 'redis.pid')]);
    redisUrl = `redis://127.0.0.1:${port}/0`;
    await waitFor(async () => {
      try {
        return execFileSync('redis-cli', ['-u', redisUrl, 'ping'], { encoding: 'utf8' }).includes('PONG');
      } catch {
        return false;
      }
    });
  }
  execFileSync('redis-cli', ['-u', redisUrl, 'flushdb']);
  const config = loadConfig({ AFTERCARE_STORE: redisUrl, AFTERCARE_ADMINS: 'playground:root', AFTERCARE_TIMEZONE: 'Asia/Shanghai' });
  for (let i = 0; i < 3; i++) {
    const store = await openStore(redisUrl);
    const log = memoryLogger();
    const services = createServices({ store, config, log, now: () => clock });
    let n = 0;
    const adapter: ChatAdapter = {
      platform: 'playground',
      capabilities: { ephemeral: true, updateInPlace: true, modals: true, images: true },
      limits: { perConversationPerSecond: 1000, perConversationBurst: 1000, perAppPerSecond: 10_000 },
      async post(ref, message) {
        sent.push({ channel: ref.channelId, text: message.text, replica: i });
        return { conversation: ref, messageId: `r${i}-${++n}` };
      },
      async update() {},
    };
    services.outbox.register(adapter);
    services.outbox.start();
    // Every replica runs the reminder check every second: each tick is elected on one of them.
    const stop = startSchedules({ services, log }, config, { reminderCron: '* * * * * *', backupCheckCron: '0 0 1 1 *' });
    replicas.push({ store, services, stop });
  }
});

afterAll(async () => {
  for (const r of replicas) {
    await r.stop();
    await r.services.outbox.stop();
    await r.store.close();
  }
  if (ownRedis) process.kill(Number(readFileSync(join(ownRedis, 'redis.pid'), 'utf8').trim()));
});

const reminders = () => sent.filter((s) => s.channel === 'dm-olga' && s.text.includes('IMP-1'));
const drainAll = () => Promise.all(replicas.map((r) => r.services.outbox.drain()));

describe('three replicas on one Redis', () => {
  it('remind the owner of an overdue improvement action once per day', async () => {
    const [a, b, c] = replicas.map((r) => r.services);
    // Olga has written to the bot directly, so she has a direct conversation.
    await a!.directory.identify({ platform: 'playground', id: 'olga', displayName: 'Olga' }, { platform: 'playground', tenantId: 'local', channelId: 'dm-olga', direct: true });
    await b!.improvements.add('playground:root', { title: 'Rotate CRM credentials', owner: 'playground:olga', due: '2026-09-10', cause: 'config', system: 'crm' });
    // The schedules tick every second on all three; the direct calls race the ticks too.
    await Promise.all([a!.improvements.remindOverdue(), b!.improvements.remindOverdue(), c!.improvements.remindOverdue()]);
    await new Promise((r) => setTimeout(r, 2200));
    await drainAll();
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0]!.text).toContain('was due 2026-09-10');

    // Later the same day (in Asia/Shanghai): still one.
    clock += 6 * 3_600_000;
    await Promise.all(replicas.map((r) => r.services.improvements.remindOverdue()));
    await new Promise((r) => setTimeout(r, 1200));
    await drainAll();
    expect(reminders()).toHaveLength(1);

    // The next day: one more, whichever replica sends it.
    clock += DAY;
    await waitFor(async () => {
      await drainAll();
      return reminders().length >= 2;
    }, 10_000);
    await new Promise((r) => setTimeout(r, 1200));
    await drainAll();
    expect(reminders()).toHaveLength(2);

    // Done: no more reminders.
    await c!.improvements.done('playground:olga', 'IMP-1');
    clock += DAY;
    await new Promise((r) => setTimeout(r, 1500));
    await drainAll();
    expect(reminders()).toHaveLength(2);
  }, 30_000);
});
