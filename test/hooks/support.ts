import { createServer } from 'node:net';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import type { PlaygroundMessage } from '../../adapters/playground/index.js';
import { memoryLogger, tempSqliteUrl } from '../helpers/env.js';

export const TOKEN = 'test-hook-token-123';

/** A running aftercare on a temp SQLite with the playground (its seeded channels subscribe to alerts, backups…). */
export async function startTestApp(env: Record<string, string> = {}): Promise<RunningApp> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: tempSqliteUrl('hooks'), AFTERCARE_HOOK_TOKEN: TOKEN, AFTERCARE_PLAYGROUND: 'on', ...env });
  return startApp(config, { log: memoryLogger() });
}

export async function postHook(app: { url: string }, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The messages a playground channel shows now (latest content of each, in order). */
export async function feed(app: { url: string }, channel: string): Promise<PlaygroundMessage[]> {
  const res = await fetch(`${app.url}/playground/feed?channel=${channel}&user=tester`);
  return ((await res.json()) as { messages: PlaygroundMessage[] }).messages;
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000, stepMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined | false;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** An Alertmanager version 4 webhook body as Alertmanager 0.25 sends it. */
export function amPayload(groupKey: string, alerts: Array<{ fingerprint: string; status?: 'firing' | 'resolved'; labels?: Record<string, string> }>, common: Record<string, string> = {}) {
  const status = alerts.some((a) => (a.status ?? 'firing') === 'firing') ? 'firing' : 'resolved';
  return {
    receiver: 'aftercare',
    status,
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { ...common, ...a.labels },
      annotations: { summary: `summary ${a.fingerprint}` },
      startsAt: '2026-11-24T10:00:00.000Z',
      endsAt: a.status === 'resolved' ? '2026-11-24T10:05:00.000Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.local/graph?g0.expr=up',
      fingerprint: a.fingerprint,
    })),
    groupLabels: { alertname: common.alertname ?? 'X' },
    commonLabels: common,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local:9093',
    version: '4',
    groupKey,
    truncatedAlerts: 0,
  };
}
