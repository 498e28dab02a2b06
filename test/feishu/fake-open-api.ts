import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake open API received. */
export interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface CannedAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

export const FAKE_BOT_OPEN_ID = 'ou_fakebot0000000000000000000000000';
export const FAKE_TENANT_TOKEN = 't-caecc734c2e3328a62489fe0648c4b98779515d3';

/**
 * A stand-in for open.feishu.cn on loopback: the tenant token endpoint, bot info, message create
 * (deduplicated by `uuid`, as Feishu does) and patch. `failNext` queues canned answers (rate
 * limits, 5xx) for matching requests; every request is recorded.
 */
export interface FakeOpenApi {
  url: string;
  requests: Recorded[];
  /** Message creates that Feishu accepted (answered code 0). */
  created(): Array<{ receive_id: string; receive_id_type: string; content: Record<string, unknown>; message_id: string }>;
  patched(): Array<{ message_id: string; content: Record<string, unknown> }>;
  /** Images uploaded through im/v1/images: the form's image_type, the key answered, and about how many bytes followed the PNG signature. */
  uploads(): Array<{ image_type: string; image_key: string; bytes: number; contentType: string }>;
  /** Groups the bot is not in (is_in_chat answers false). */
  notInChat: Set<string>;
  /** Replies to a message (`im/v1/messages/:id/reply`), in order. */
  replies(): Array<{ parent_id: string; reply_in_thread: boolean; content: Record<string, unknown>; message_id: string }>;
  tokenRequests(): number;
  failNext(match: (r: Recorded) => boolean, answer: CannedAnswer, times?: number): void;
  /**
   * The long connection's WebSocket URL that `/callback/ws/endpoint` hands out (FEISHU_CONNECTION=
   * websocket); unset, the endpoint answers with Feishu's error for an app without it.
   */
  wsUrl?: string;
  close(): Promise<void>;
}

/** `botOpenId`: what bot/v3/info answers (default FAKE_BOT_OPEN_ID). */
export async function startFakeOpenApi(options: { botOpenId?: string } = {}): Promise<FakeOpenApi> {
  const requests: Recorded[] = [];
  const created: Array<{ receive_id: string; receive_id_type: string; content: Record<string, unknown>; message_id: string }> = [];
  const patched: Array<{ message_id: string; content: Record<string, unknown> }> = [];
  const notInChat = new Set<string>();
  const replies: Array<{ parent_id: string; reply_in_thread: boolean; content: Record<string, unknown>; message_id: string }> = [];
  const byUuid = new Map<string, string>();
  const uploads: Array<{ image_type: string; image_key: string; bytes: number; contentType: string }> = [];
  const canned: Array<{ match: (r: Recorded) => boolean; answer: CannedAnswer; left: number }> = [];
  let seq = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // keep text
      }
      const rec: Recorded = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
      requests.push(rec);
      const reply = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(json));
      };
      const hit = canned.find((c) => c.left > 0 && c.match(rec));
      if (hit) {
        hit.left--;
        setTimeout(() => reply(hit.answer.status, hit.answer.body, hit.answer.headers), hit.answer.delayMs ?? 0);
        return;
      }
      if (rec.path === '/open-apis/auth/v3/tenant_access_token/internal') {
        reply(200, { code: 0, msg: 'ok', tenant_access_token: FAKE_TENANT_TOKEN, expire: 7200 });
        return;
      }
      if (rec.method === 'POST' && rec.path === '/callback/ws/endpoint') {
        // Feishu's answer: the URL (with device and service ids) and the client settings, in seconds.
        reply(
          200,
          fake.wsUrl
            ? { code: 0, msg: 'ok', data: { URL: `${fake.wsUrl}?device_id=fake-device&service_id=7`, ClientConfig: { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 1, ReconnectNonce: 0 } } }
            : { code: 1000040350, msg: 'long connection is not enabled for this app' },
        );
        return;
      }
      const authorized = req.headers.authorization === `Bearer ${FAKE_TENANT_TOKEN}`;
      if (!authorized) {
        reply(400, { code: 99991663, msg: 'Invalid access token for authorization.' });
        return;
      }
      if (rec.path === '/open-apis/bot/v3/info') {
        reply(200, { code: 0, msg: 'ok', bot: { open_id: options.botOpenId ?? FAKE_BOT_OPEN_ID, app_name: 'aftercare', activate_status: 2 } });
        return;
      }
      if (rec.method === 'POST' && rec.path === '/open-apis/im/v1/messages') {
        const b = body as { receive_id: string; msg_type: string; content: string; uuid?: string };
        const existing = b.uuid ? byUuid.get(b.uuid) : undefined;
        const messageId = existing ?? `om_fake${String(++seq).padStart(6, '0')}`;
        if (!existing) {
          if (b.uuid) byUuid.set(b.uuid, messageId);
          created.push({ receive_id: b.receive_id, receive_id_type: rec.query.receive_id_type ?? '', content: JSON.parse(b.content) as Record<string, unknown>, message_id: messageId });
        }
        reply(200, { code: 0, msg: 'success', data: { message_id: messageId, chat_id: b.receive_id, msg_type: b.msg_type } });
        return;
      }
      if (rec.method === 'POST' && rec.path === '/open-apis/im/v1/images') {
        // multipart/form-data: image_type and the image file (Feishu answers the new image_key).
        const raw = Buffer.concat(chunks);
        const imageType = /name="image_type"\r\n\r\n([^\r]*)\r\n/.exec(raw.toString('latin1'))?.[1];
        const png = raw.indexOf(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
        const imageKey = `img_v3_fake${String(++seq).padStart(6, '0')}`;
        uploads.push({ image_type: imageType ?? '', image_key: imageKey, bytes: png >= 0 ? raw.length - png : 0, contentType: String(req.headers['content-type'] ?? '') });
        rec.body = { image_type: imageType };
        reply(200, { code: 0, msg: 'success', data: { image_key: imageKey } });
        return;
      }
      const patch = /^\/open-apis\/im\/v1\/messages\/([^/]+)$/.exec(rec.path);
      if (rec.method === 'PATCH' && patch) {
        patched.push({ message_id: patch[1]!, content: JSON.parse((body as { content: string }).content) as Record<string, unknown> });
        reply(200, { code: 0, msg: 'success', data: {} });
        return;
      }
      // GET /open-apis/im/v1/chats/:chat_id/members/is_in_chat: is the bot in the group?
      const inChat = /^\/open-apis\/im\/v1\/chats\/([^/]+)\/members\/is_in_chat$/.exec(rec.path);
      if (rec.method === 'GET' && inChat) {
        reply(200, { code: 0, msg: 'success', data: { is_in_chat: !notInChat.has(inChat[1]!) } });
        return;
      }
      // POST /open-apis/im/v1/messages/:message_id/reply (a reply, in its thread with reply_in_thread).
      const replyTo = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/reply$/.exec(rec.path);
      if (rec.method === 'POST' && replyTo) {
        const b = body as { content: string; reply_in_thread?: boolean };
        const messageId = `om_reply${String(++seq).padStart(6, '0')}`;
        replies.push({ parent_id: replyTo[1]!, reply_in_thread: b.reply_in_thread === true, content: JSON.parse(b.content) as Record<string, unknown>, message_id: messageId });
        reply(200, { code: 0, msg: 'success', data: { message_id: messageId, parent_id: replyTo[1], thread_id: 'omt_fake' } });
        return;
      }
      reply(404, { code: 404, msg: `fake open API has no ${rec.method} ${rec.path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeOpenApi = {
    url: `http://127.0.0.1:${port}`,
    requests,
    created: () => created,
    patched: () => patched,
    uploads: () => uploads,
    replies: () => replies,
    notInChat,
    tokenRequests: () => requests.filter((r) => r.path === '/open-apis/auth/v3/tenant_access_token/internal').length,
    failNext(match, answer, times = 1) {
      canned.push({ match, answer, left: times });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/** Matches message creates. */
export const isCreate = (r: Recorded) => r.method === 'POST' && r.path === '/open-apis/im/v1/messages';
