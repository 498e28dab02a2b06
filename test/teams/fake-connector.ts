import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake Bot Connector received. */
export interface ConnectorCall {
  method: string;
  path: string;
  /** Decoded conversation id from the URL. */
  conversationId: string;
  /** Activity id in the URL (replyToActivity / updateActivity), if any. */
  activityId?: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The `id` the fake answered with (the message id a later update or click refers to). */
  responseId: string;
}

interface Failure {
  status: number;
  headers?: Record<string, string>;
  /** Only requests whose decoded path matches fail; others pass. */
  match?: (path: string, method: string) => boolean;
}

/**
 * A fake Bot Connector on loopback (`serviceUrl` = `url`), answering like botframework-connector's
 * operation specs: replyToActivity 200, sendToConversation 201, updateActivity 200, each with `{ id }`.
 * `failNext` makes the next N activity calls fail with a status (e.g. 429 + Retry-After).
 */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  /** Every request, including those answered with a failure. */
  attempts = 0;
  private server?: Server;
  private failures: Failure[] = [];
  private seq = 0;
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.attempts++;
        const rawPath = decodeURIComponent((req.url ?? '').split('?')[0]!);
        const fi = this.failures.findIndex((f) => !f.match || f.match(rawPath, req.method ?? ''));
        const failure = fi >= 0 ? this.failures.splice(fi, 1)[0] : undefined;
        if (failure) {
          this.failed.push({ status: failure.status, path: rawPath });
          res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
          res.end(JSON.stringify({ error: { code: 'Throttled', message: `fake ${failure.status}` } }));
          return;
        }
        const path = (req.url ?? '').split('?')[0]!;
        // TeamsInfo.getMember: GET v3/conversations/{conversationId}/members/{userId}.
        const member = /\/v3\/conversations\/([^/]+)\/members\/([^/]+)$/.exec(path);
        if (req.method === 'GET' && member) {
          const userId = decodeURIComponent(member[2]!);
          this.memberLookups.push(userId);
          const found = this.members.get(userId);
          res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
          res.end(JSON.stringify(found ?? { error: { code: 'MemberNotFoundInConversation', message: 'not found' } }));
          return;
        }
        const m = /\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(path);
        let body: Record<string, unknown> = {};
        try {
          body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
        } catch {
          body = {};
        }
        const call: ConnectorCall = {
          method: req.method ?? '',
          path,
          conversationId: m ? decodeURIComponent(m[1]!) : '',
          ...(m?.[2] ? { activityId: decodeURIComponent(m[2]) } : {}),
          headers: req.headers,
          body,
          responseId: req.method === 'PUT' && m?.[2] ? decodeURIComponent(m[2]) : `1:fake-${++this.seq}`,
        };
        this.calls.push(call);
        const id = call.responseId;
        res.writeHead(req.method === 'POST' && !call.activityId ? 201 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id }));
        this.waiters = this.waiters.filter((w) => (this.calls.length >= w.n ? (w.resolve(), false) : true));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/amer/`;
    return this;
  }

  /** Members the connector knows (by `29:` id), as TeamsInfo.getMember returns them. */
  readonly members = new Map<string, { id: string; name: string; aadObjectId: string; userPrincipalName?: string }>();
  /** `29:` ids looked up through getMember, in order. */
  readonly memberLookups: string[] = [];

  /** Requests answered with a scripted failure. */
  readonly failed: Array<{ status: number; path: string }> = [];

  failNext(count: number, status: number, headers?: Record<string, string>, match?: Failure['match']): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, ...(headers ? { headers } : {}), ...(match ? { match } : {}) });
  }

  /** Polls until `predicate(calls)` holds (rejects after `timeoutMs` with what was received). */
  async waitUntil(predicate: (calls: ConnectorCall[]) => boolean, timeoutMs = 8000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.calls)) {
      if (Date.now() > deadline) {
        const seen = this.calls.map((c) => `${c.method} ${c.conversationId} ${String(c.body.text ?? c.body.summary ?? '')}`).join('\n  ');
        throw new Error(`fake connector: timed out waiting for ${what}; received:\n  ${seen}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves once `n` successful calls have been recorded (rejects after `timeoutMs`). */
  waitForCalls(n: number, timeoutMs = 5000): Promise<void> {
    if (this.calls.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake connector: expected ${n} calls, got ${this.calls.length}`)), timeoutMs);
      this.waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
