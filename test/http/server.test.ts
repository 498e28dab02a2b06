import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { memoryLogger, tempSqliteUrl } from '../helpers/env.js';

describe('the HTTP server', () => {
  it('hands a playground event to the inbound pipeline and answers once its reply is shown', async () => {
    const receive = vi.spyOn(app.inbound, 'receive');
    const r = await fetch(`${app.url}/playground/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'carol', role: 'customer', lang: 'en', channel: 'support-acme', kind: 'command', text: '/faq pipeline path' }),
    });
    expect(r.status).toBe(200);
    expect(receive).toHaveBeenCalledTimes(1);
    expect(receive.mock.calls[0]![0]).toMatchObject({ kind: 'command', command: 'faq', conversation: { platform: 'playground', channelId: 'support-acme' } });
    await expect(receive.mock.results[0]!.value).resolves.toBe('accepted');
    receive.mockRestore();
  });

  let app: RunningApp;
  const log = memoryLogger();
  beforeAll(async () => {
    app = await startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: tempSqliteUrl('http'), AFTERCARE_TIMER_POLL_MS: '100' }), { log });
  });
  afterAll(async () => {
    await app.stop();
  });

  it('answers liveness and readiness with the store kind', async () => {
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', store: 'sqlite' });
  });

  it('serves the playground page and runs commands from it, pushing to subscribed channels', async () => {
    const page = await (await fetch(`${app.url}/`)).text();
    expect(page).toContain('aftercare playground');
    const post = (body: unknown) => fetch(`${app.url}/playground/event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const r = await post({ user: 'alice', role: 'customer', lang: 'en', channel: 'support-acme', kind: 'command', text: '/issue Printer on fire sev:S1' });
    expect(r.status).toBe(200);
    await app.outbox.drain();
    const feed = await (await fetch(`${app.url}/playground/feed?channel=engineering&user=bob`)).json();
    expect(feed.messages.some((m: { html: string }) => m.html.includes('SUP-1 · Printer on fire') && m.html.includes('data-action="issue.ack"'))).toBe(true);
  });

  it('rejects a malformed playground event with 400 naming the field, storing nothing', async () => {
    const r = await fetch(`${app.url}/playground/event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'a b', kind: 'command' }) });
    expect(r.status).toBe(400);
    expect((await r.json()).field).toBe('user');
  });

  it('exposes Prometheus metrics including inbound counts and the outbox backlog', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/aftercare_inbound_total\{kind="command",platform="playground"\} \d+/);
    expect(text).toContain('# TYPE aftercare_outbox_pending gauge');
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    // Every series is described, and command durations are a histogram.
    expect(text).toContain('# HELP aftercare_inbound_total ');
    expect(text).toContain('# TYPE aftercare_command_duration_seconds histogram');
    expect(text).toMatch(/aftercare_command_duration_seconds_bucket\{le="0\.5",kind="command"\} \d+/);
    const described = new Set([...text.matchAll(/^# HELP (\S+)/gm)].map((m) => m[1]));
    for (const [, name] of text.matchAll(/^# TYPE (\S+)/gm)) expect(described.has(name)).toBe(true);
  });

  it('answers 404 as JSON for unknown paths', async () => {
    const r = await fetch(`${app.url}/nope`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: 'not found' });
  });

  it('resumes an event a replica that died had accepted but not processed, replying through the outbox', async () => {
    const event = {
      id: 'crashed-1',
      kind: 'command' as const,
      command: 'issue',
      text: 'Half-handled before a crash',
      actor: { platform: 'playground' as const, id: 'alice' },
      conversation: { platform: 'playground' as const, tenantId: 'local', channelId: 'support-acme' },
      receivedAt: Date.now() - 60_000,
    };
    // What a replica killed after its ack leaves behind: the event in the inbox, owned by that replica.
    expect(await app.store.inboxAdd({ id: 'playground:command:crashed-1', event: { owner: 'a-replica-that-died', event }, receivedAt: event.receivedAt }, 60_000)).toBe(true);
    expect(await app.inbound.resume()).toBe(1);
    await app.inbound.drain();
    await app.outbox.drain();
    expect(await app.store.inboxPending(100)).toEqual([]);
    const feed = await (await fetch(`${app.url}/playground/feed?channel=support-acme&user=alice`)).json();
    expect(feed.messages.some((m: { text: string }) => m.text.includes('Half-handled before a crash'))).toBe(true);
    expect(await app.inbound.receive(event, { show: async () => undefined })).toBe('duplicate');
  });
});
