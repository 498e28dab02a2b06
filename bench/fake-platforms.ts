import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAKE_BOT_OPEN_ID } from '../test/feishu/fake-open-api.js';

/**
 * One loopback HTTP server standing in for the three platforms' outbound APIs, answering with the
 * documented success shapes and recording nothing but when each command's reply arrived:
 *
 * - Slack Web API under `/api/…` (auth.test, chat.postMessage, chat.postEphemeral, users.info, …)
 *   and `response_url`s under `/response/…`;
 * - the Teams Bot Connector (`serviceUrl` = `<url>/amer/`): `POST /v3/conversations/{id}/activities[/{replyTo}]`;
 * - the Feishu open API (`FEISHU_DOMAIN` = `<url>`): tenant token, bot info, `im/v1/messages` create and reply.
 *
 * A reply is recognised by the command's marker (`Qz<n>Qz`, carried in the ticket title) anywhere in
 * the body of a reply call; the first arrival per marker is kept (performance.now() of this process,
 * the one that sent the command).
 */
export interface FakePlatforms {
  url: string;
  /** When the first reply carrying `marker` arrived (performance.now()), if it has. */
  replyAt(marker: string): number | undefined;
  close(): Promise<void>;
}

const MARKER = /Qz(\d+)Qz/;

type Api = 'slack' | 'teams' | 'feishu' | 'other';

/** The marker put in a command's title. */
export const marker = (n: number): string => `Qz${n}Qz`;

/** Which platform a request is for, and whether it is a reply API call. */
function classify(method: string, path: string): { platform: Api; reply: boolean } {
  if (path.startsWith('/response/')) return { platform: 'slack', reply: true };
  if (path.startsWith('/api/')) return { platform: 'slack', reply: path.endsWith('/chat.postMessage') || path.endsWith('/chat.postEphemeral') };
  if (path.includes('/v3/conversations/')) return { platform: 'teams', reply: method === 'POST' && /\/v3\/conversations\/[^/]+\/activities(\/[^/]+)?$/.test(path) };
  if (path.startsWith('/open-apis/')) return { platform: 'feishu', reply: method === 'POST' && /^\/open-apis\/im\/v1\/messages(\/[^/]+\/reply)?$/.test(path) };
  return { platform: 'other', reply: false };
}

/** The platform's success answer to a call (`n` numbers message ids). */
function answer(platform: Api, path: string, reply: boolean, n: number): { status: number; body: unknown } {
  const ok = (body: unknown) => ({ status: 200, body });
  if (platform === 'slack') {
    const ts = `1700000000.${String(n).padStart(6, '0')}`;
    if (path.startsWith('/response/')) return ok('ok');
    if (path.endsWith('/auth.test')) return ok({ ok: true, team: 'Bench', team_id: 'T0BENCH', user: 'aftercare', user_id: 'U0BENCH', bot_id: 'B0BENCH' });
    if (path.endsWith('/chat.postMessage') || path.endsWith('/chat.update')) return ok({ ok: true, ts });
    if (path.endsWith('/chat.postEphemeral')) return ok({ ok: true, message_ts: ts });
    if (path.endsWith('/users.info')) return ok({ ok: true, user: { id: 'U', locale: 'en-US' } });
    return ok({ ok: true });
  }
  if (platform === 'teams') return ok({ id: `1:bench-${n}` });
  if (platform === 'feishu') {
    if (path === '/open-apis/auth/v3/tenant_access_token/internal') return ok({ code: 0, msg: 'ok', tenant_access_token: 't-bench', expire: 7200 });
    if (path === '/open-apis/bot/v3/info') return ok({ code: 0, msg: 'ok', bot: { open_id: FAKE_BOT_OPEN_ID } });
    return ok({ code: 0, msg: 'success', data: reply ? { message_id: `om_bench${n}` } : {} });
  }
  return { status: 404, body: { error: 'not a fake platform path' } };
}

export async function startFakePlatforms(): Promise<FakePlatforms> {
  const replies = new Map<string, number>();
  let seq = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrived = performance.now();
      const path = (req.url ?? '').split('?')[0]!;
      const { platform, reply } = classify(req.method ?? 'GET', path);
      if (reply) {
        const m = MARKER.exec(Buffer.concat(chunks).toString('utf8'));
        if (m && !replies.has(m[0])) replies.set(m[0], arrived);
      }
      const { status, body } = answer(platform, path, reply, ++seq);
      if (typeof body === 'string') res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
      else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    replyAt: (m) => replies.get(m),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
