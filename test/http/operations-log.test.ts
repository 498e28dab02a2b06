import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { keys } from '../../src/core/keys.js';
import { memoryLogger, tempSqliteUrl } from '../helpers/env.js';

const log = memoryLogger();
let app: RunningApp;
let clock = Date.parse('2026-11-24T10:00:00Z');
beforeAll(async () => {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: tempSqliteUrl('ops-log'), AFTERCARE_HOOK_TOKEN: 'hook-token-123', AFTERCARE_TIMER_POLL_MS: '3600000' });
  app = await startApp(config, { log, now: () => clock });
});
afterAll(async () => {
  await app.stop();
});

const lines = (msg: string) => log.lines.filter((l) => l.msg === msg);

describe('what an operator can read', () => {
  it('a command, a refused hook call and an escalation each leave one log line, and count in /metrics', async () => {
    const res = await fetch(`${app.url}/playground/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice', role: 'customer', lang: 'en', channel: 'support-acme', kind: 'command', text: '/issue Printer on fire sev:S1' }),
    });
    expect(res.status).toBe(200);
    const ids = { deliveryId: expect.stringMatching(/^playground:command:/), correlationId: expect.stringMatching(/^[0-9a-f]{12}$/) };
    expect(lines('command done')).toEqual([expect.objectContaining({ platform: 'playground', kind: 'command', what: 'issue Printer', user: 'playground:alice', ...ids })]);
    // The pushes the command queued are logged, when sent, with the command's ids.
    await app.services.outbox.drain();
    const command = lines('command done')[0]!;
    const pushes = lines('push sent');
    expect(pushes.length).toBeGreaterThan(0);
    for (const p of pushes) expect(p).toMatchObject({ deliveryId: command.deliveryId, correlationId: command.correlationId });

    const refused = await fetch(`${app.url}/hooks/alerts`, { method: 'POST', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json', 'idempotency-key': 'am-1' }, body: '{}' });
    expect(refused.status).toBe(401);
    expect(lines('hook call')).toEqual([expect.objectContaining({ hook: 'alerts', status: 401, deliveryId: 'am-1', correlationId: ids.correlationId })]);

    clock += 16 * 60_000;
    expect(await app.pollTimers()).toBe(1);
    expect(lines('response target missed')).toEqual([expect.objectContaining({ subject: 'ticket', id: 'SUP-1', stage: 'renotified', deliveryId: expect.stringMatching(/^timer:/), correlationId: ids.correlationId })]);

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/aftercare_hook_requests_total\{hook="alerts",status="401"\} 1/);
    expect(metrics).toMatch(/aftercare_sla_breaches_total\{stage="renotified",subject="ticket"\} 1/);
  });

  it('serves /metrics that promtool check metrics accepts, with the outbox backlog and dead letters by platform and alerts by state', async () => {
    const alert = await fetch(`${app.url}/hooks/alerts`, {
      method: 'POST',
      headers: { authorization: 'Bearer hook-token-123', 'content-type': 'application/json' },
      body: JSON.stringify({ system: 'crm', title: 'Disk full', severity: 'critical', status: 'firing', dedupKey: 'crm-disk' }),
    });
    expect(alert.status).toBe(200);
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    // Debian's prometheus package (see .ci/apt-packages); promtool reads the exposition on stdin
    // and exits non-zero on any problem (lint warnings included).
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect({ status: check.status, out: check.stdout + check.stderr }).toEqual({ status: 0, out: '' });
    expect(text).toMatch(/^# HELP aftercare_outbox_backlog .+$/m);
    expect(text).toMatch(/^aftercare_outbox_backlog\{platform="playground"\} \d+$/m);
    expect(text).toMatch(/^# TYPE aftercare_outbox_dead_letters gauge$/m);
    expect(text).toMatch(/^aftercare_outbox_dead_letters\{platform="playground"\} 0$/m);
    expect(text).toMatch(/^aftercare_alerts_open\{state="firing"\} 1$/m);
    expect(text).toMatch(/^aftercare_alerts_open\{state="acknowledged"\} 0$/m);
    expect(text).toMatch(/^aftercare_command_duration_seconds_bucket\{le="0.005",kind="command"\} \d+$/m);
  });

  it('counts dead letters by platform in /metrics', async () => {
    const store = app.services.deps.store;
    await store.hincrMany(keys.outboxDeadByPlatform(), { slack: 2 });
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/^aftercare_outbox_dead_letters\{platform="slack"\} 2$/m);
  });
});
