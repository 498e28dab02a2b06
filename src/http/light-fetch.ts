import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Sockets kept open to the Web API and response_url hosts, as a browser or undici would. */
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

/**
 * A `fetch` for the platforms' APIs (Slack's Web API client and response_url posts, Feishu's open
 * API), over node:http with keep-alive.
 *
 * Why: the SDK clients call `fetch` for every method, and the platform's fetch (undici: WHATWG
 * streams, a WebAssembly HTTP parser, abort plumbing) measured ~0.3 ms of CPU a call on the event
 * loop that also answers Slack's 3-second acks; node:http's native parser does the same round trip
 * for a fraction of that (`bench/slack-ack.ts`). It covers what those callers send — a string,
 * URLSearchParams or bytes, with headers, a method and an AbortSignal — and hands anything else
 * (FormData for file uploads, streams) to the platform's fetch. Redirects are returned, not followed.
 */
export const lightFetch: typeof fetch = async (input, init) => {
  const body = init?.body;
  const simpleBody = body === undefined || body === null || typeof body === 'string' || body instanceof URLSearchParams || body instanceof Uint8Array;
  if (!simpleBody || (typeof input !== 'string' && !(input instanceof URL))) return fetch(input, init);
  const url = input instanceof URL ? input : new URL(input);
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, key) => {
    headers[key] = value;
  });
  let payload: string | Uint8Array | undefined;
  if (body instanceof URLSearchParams) {
    payload = body.toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
  } else if (body !== undefined && body !== null) {
    payload = body;
    if (typeof body === 'string') headers['content-type'] ??= 'text/plain;charset=UTF-8';
  }
  if (payload !== undefined) headers['content-length'] = String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength);
  const https = url.protocol === 'https:';
  return new Promise<Response>((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      { method: init?.method ?? 'GET', headers, agent: https ? agents.https : agents.http, signal: init?.signal ?? undefined },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve(toResponse(res, Buffer.concat(chunks))));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
};

function toResponse(res: IncomingMessage, bytes: Buffer): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const status = res.statusCode ?? 0;
  // These statuses carry no body, and Response refuses one.
  const noBody = status === 204 || status === 205 || status === 304;
  return new Response(noBody ? null : (bytes as unknown as BodyInit), { status, statusText: res.statusMessage ?? '', headers });
}
