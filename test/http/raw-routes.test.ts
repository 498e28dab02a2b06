import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAckGate } from '../../src/core/ack-gate.js';
import { createLogger } from '../../src/core/log.js';
import type { RawHandler } from '../../src/core/ports.js';
import { createRequestListener } from '../../src/http/raw-routes.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function serve(routes: Record<string, RawHandler>, records: Array<Record<string, unknown>> = []) {
  const acks = createAckGate();
  const listener = createRequestListener({
    routes: new Map(Object.entries(routes)),
    fallback: (_req, res) => res.writeHead(404).end('fallback'),
    acks,
    log: createLogger({ sink: (line) => records.push(JSON.parse(line) as Record<string, unknown>) }),
  });
  server = createServer(listener);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, acks };
}

describe('raw platform routes ahead of express', () => {
  it('serves a registered POST path (with a query string) and counts it as an ack in flight', async () => {
    let busyInside = false;
    const { url, acks } = await serve({
      '/feishu/events': async (_req, res) => {
        busyInside = acks.busy;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      },
    });
    const res = await fetch(`${url}/feishu/events?from=console`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(busyInside).toBe(true);
    await expect.poll(() => acks.busy).toBe(false);
  });

  it('hands other methods and paths to the fallback', async () => {
    const { url } = await serve({ '/feishu/events': async (_req, res) => void res.end('raw') });
    expect(await (await fetch(`${url}/feishu/events`)).text()).toBe('fallback');
    expect(await (await fetch(`${url}/elsewhere`, { method: 'POST' })).text()).toBe('fallback');
  });

  it('answers a handler that fails with a 500, a correlation id and a log line', async () => {
    const records: Array<Record<string, unknown>> = [];
    const { url } = await serve(
      {
        '/feishu/cards': async () => {
          throw new Error('boom');
        },
      },
      records,
    );
    const res = await fetch(`${url}/feishu/cards`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: string; correlationId: string };
    expect(body.error).toBe('internal error');
    expect(body.correlationId).toMatch(/^[0-9a-f]{8}$/);
    const logged = records.find((r) => r.msg === 'request failed');
    expect(logged?.correlationId).toBe(body.correlationId);
  });
});
