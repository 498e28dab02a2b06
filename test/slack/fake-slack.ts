import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixture } from './fixtures.js';

/** One request the fake Slack received. */
export interface FakeCall {
  /** Web API method (`chat.postMessage`) or `response_url:<name>`. */
  method: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  status: number;
  /** What the fake answered (parsed JSON, or text). */
  response: unknown;
  at: number;
}

export interface ScriptedResponse {
  /** Only for requests whose body matches (default: any). */
  when?: (body: Record<string, unknown>) => boolean;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A fake Slack on loopback: the Web API (`/api/<method>`, answered as Slack documents it, with
 * the recorded auth.test and chat.postMessage shapes) and response_urls (`/response/<name>`).
 * Every request is recorded; responses can be scripted per method (429s, 5xx, `ok:false`).
 */
export interface FakeSlack {
  /** Base URL for SLACK_API_URL (`http://127.0.0.1:<port>/api/`). */
  apiUrl: string;
  /** A response_url that records into method `response_url:<name>`. */
  responseUrl(name: string): string;
  calls: FakeCall[];
  callsTo(method: string): FakeCall[];
  /** The next answers of `method`, used once each in order before the defaults apply again. */
  script(method: string, ...responses: ScriptedResponse[]): void;
  /** Users' Slack locales for users.info. */
  locales: Map<string, string>;
  /** The WebSocket URL apps.connections.open answers with (Socket Mode); unset, it answers ok:false. */
  socketModeUrl?: string;
  /**
   * Channels the bot is not in: chat.postMessage, chat.postEphemeral and conversations.info
   * answer `channel_not_found` for them, as Slack does for a private channel without the bot.
   */
  refused: Set<string>;
  /** Answers every request this long after it arrived (a slow platform API); 0 by default. */
  latencyMs: number;
  /** Resolves once `predicate(calls)` holds (polls), or rejects after `timeoutMs`. */
  waitFor(predicate: (calls: FakeCall[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const web = fixture('web_api_responses') as unknown as Record<string, Record<string, unknown>>;

function parseBody(raw: string, type: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (type?.startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const structured = k === 'blocks' || k === 'view' || k === 'attachments';
    out[k] = structured && (v.startsWith('[') || v.startsWith('{')) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export interface FakeSlackOptions {
  /** The workspace auth.test names (the installation); default the recorded fixture's. */
  team?: string;
  /** The bot user auth.test names; default the recorded fixture's. */
  botUserId?: string;
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const calls: FakeCall[] = [];
  const scripts = new Map<string, ScriptedResponse[]>();
  const locales = new Map<string, string>();
  const refused = new Set<string>();
  let seq = 0;

  const defaults = (method: string, body: Record<string, unknown>): ScriptedResponse => {
    seq++;
    const ts = `1700000000.${String(seq).padStart(6, '0')}`;
    switch (method) {
      case 'auth.test':
        return { body: { ...web['auth.test'], ...(options.team ? { team_id: options.team } : {}), ...(options.botUserId ? { user_id: options.botUserId } : {}) } };
      case 'conversations.info':
        // A channel the bot is in (script a `channel_not_found` for one it is not in, as Slack answers for a private one).
        return { body: { ok: true, channel: { id: body.channel, is_channel: true, is_private: false, is_member: true } } };
      case 'chat.postMessage': {
        const channel = String(body.channel ?? '');
        return { body: { ...web['chat.postMessage'], channel: channel.startsWith('U') ? `D${channel.slice(1)}` : channel, ts, message: { text: body.text, ts } } };
      }
      case 'chat.postEphemeral':
        return { body: { ok: true, message_ts: ts } };
      case 'chat.update':
        return { body: { ok: true, channel: body.channel, ts: body.ts, text: body.text } };
      case 'views.open':
        return { body: { ok: true, view: { id: `V${seq}` } } };
      case 'conversations.open':
        // Each user's IM with the bot is `D` + the rest of their id (as chat.postMessage to a user id answers above).
        return { body: { ok: true, no_op: true, already_open: true, channel: { id: `D${String(body.users ?? '').slice(1)}` } } };
      case 'apps.connections.open':
        return { body: fake.socketModeUrl ? { ok: true, url: fake.socketModeUrl } : { ok: false, error: 'invalid_auth' } };
      case 'users.info':
        return { body: { ok: true, user: { id: body.user, locale: locales.get(String(body.user)) ?? 'en-US' } } };
      default:
        if (method.startsWith('response_url:')) return { status: 200, body: 'ok' };
        return { body: { ok: false, error: 'unknown_method' } };
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const method = url.pathname.startsWith('/api/')
        ? url.pathname.slice('/api/'.length)
        : url.pathname.startsWith('/response/')
          ? `response_url:${url.pathname.slice('/response/'.length)}`
          : `unknown:${url.pathname}`;
      const body = parseBody(Buffer.concat(chunks).toString('utf8'), req.headers['content-type']);
      const queue = scripts.get(method) ?? [];
      const index = queue.findIndex((r) => !r.when || r.when(body));
      const scripted = index >= 0 ? queue.splice(index, 1)[0] : undefined;
      const notIn = /^(chat\.postMessage|chat\.postEphemeral|conversations\.info)$/.test(method) && refused.has(String(body.channel ?? ''));
      const answer = scripted ?? (notIn ? { body: { ok: false, error: 'channel_not_found' } } : defaults(method, body));
      const status = answer.status ?? 200;
      calls.push({ method, body, headers: req.headers, status, response: answer.body, at: Date.now() });
      const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? { ok: true });
      const answerNow = () => {
        res.writeHead(status, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json', ...answer.headers });
        res.end(payload);
      };
      if (fake.latencyMs > 0) setTimeout(answerNow, fake.latencyMs);
      else answerNow();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  const fake: FakeSlack = {
    latencyMs: 0,
    apiUrl: `${base}/api/`,
    responseUrl: (name) => `${base}/response/${name}`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    script(method, ...responses) {
      scripts.set(method, [...(scripts.get(method) ?? []), ...responses]);
    },
    locales,
    refused,
    async waitFor(predicate, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(calls)) {
        if (Date.now() > until) throw new Error(`fake Slack: condition not met in ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
