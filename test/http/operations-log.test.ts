import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
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
    expect(lines('command done')).toEqual([expect.objectContaining({ platform: 'playground', kind: 'command', what: 'issue Printer', user: 'playground:alice' })]);

    const refused = await fetch(`${app.url}/hooks/alerts`, { method: 'POST', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(401);
    expect(lines('hook call')).toEqual([expect.objectContaining({ hook: 'alerts', status: 401 })]);

    clock += 16 * 60_000;
    expect(await app.pollTimers()).toBe(1);
    expect(lines('response target missed')).toEqual([expect.objectContaining({ subject: 'ticket', id: 'SUP-1', stage: 'renotified' })]);

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/aftercare_hook_requests_total\{hook="alerts",status="401"\} 1/);
    expect(metrics).toMatch(/aftercare_sla_breaches_total\{stage="renotified",subject="ticket"\} 1/);
  });
});
