import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lightFetch } from '../../src/http/light-fetch.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('the light fetch the platform clients send with', () => {
  let server: Server;
  let base = '';
  const seen: Seen[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (req.url === '/limited') {
          res.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' }).end('{"ok":false}');
        } else if (req.url === '/slow') {
          setTimeout(() => res.writeHead(200).end('late'), 500);
        } else if (req.url === '/empty') {
          res.writeHead(204).end();
        } else {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-multi': ['a', 'b'] }).end(JSON.stringify({ ok: true, echo: body }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('posts a form body with its headers and reads a JSON answer like fetch does', async () => {
    const res = await lightFetch(`${base}/api/chat.postMessage`, {
      method: 'POST',
      headers: { Authorization: 'Bearer xoxb-1', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel: 'C1', text: 'héllo' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-multi')).toBe('a, b');
    expect(await res.json()).toEqual({ ok: true, echo: 'channel=C1&text=h%C3%A9llo' });
    const last = seen.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.headers.authorization).toBe('Bearer xoxb-1');
    expect(last.headers['content-length']).toBe(String(Buffer.byteLength('channel=C1&text=h%C3%A9llo')));
  });

  it('sends a JSON string body and gives back 429 with its Retry-After, not an exception', async () => {
    const res = await lightFetch(new URL(`${base}/limited`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: '你好' }) });
    expect(res.status).toBe(429);
    expect(res.ok).toBe(false);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(seen.at(-1)!.body).toBe('{"text":"你好"}');
  });

  it('answers a 204 with an empty body', async () => {
    const res = await lightFetch(`${base}/empty`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('gives up when the signal fires, as a timed-out fetch does', async () => {
    await expect(lightFetch(`${base}/slow`, { method: 'POST', body: '', signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('hands bodies it does not handle (FormData) to the platform fetch', async () => {
    const form = new FormData();
    form.append('file', 'content');
    const res = await lightFetch(`${base}/upload`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(seen.at(-1)!.headers['content-type']).toMatch(/^multipart\/form-data/);
  });
});
