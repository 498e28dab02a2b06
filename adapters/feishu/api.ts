import { Client, DefaultCache, Domain, LoggerLevel, type HttpInstance, type HttpRequestOptions } from '@larksuiteoapi/node-sdk';
import { lightFetch } from '../../src/http/light-fetch.js';
import type { Logger } from '../../src/core/log.js';
import { SendError } from '../../src/core/ports.js';

/**
 * The SDK client, wired for aftercare:
 * - its own token cache (the SDK fetches `tenant_access_token` and keeps it until 3 min before
 *   expiry); per module, so two apps in one process never share a token, and clearable when
 *   Feishu says the token is invalid;
 * - a fetch-based HTTP instance with a timeout and no retries: the SDK's default axios instance has
 *   no timeout, and the outbox owns retries and pacing;
 * - SDK log lines routed to our logger (which masks secrets).
 */

/** Feishu answers that mean "slow down": app/tenant rate limit, per-chat limit. */
const RATE_LIMIT_CODES = new Set([99991400, 230020, 11232, 11233]);
/** The tenant token was refused: drop the cached one and try again. */
const TOKEN_CODES = new Set([99991661, 99991663, 99991664, 99991668]);
/** Credentials that will never work: retrying is pointless. */
const CREDENTIAL_CODES = new Set([10003, 10014]);

export const DEFAULT_TIMEOUT_MS = 10_000;

/** An HTTP answer of 4xx/5xx from the open API, with what classification needs. */
export class FeishuHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly body: unknown,
  ) {
    super(`Feishu open API answered HTTP ${status}${codeOf(body) !== undefined ? ` code ${codeOf(body)}` : ''}`);
    this.name = 'FeishuHttpError';
  }
}

/** `feishu` → Domain.Feishu, `lark` → Domain.Lark, a URL → itself (tests point it at a fake server). */
export function sdkDomain(domain: string): Domain | string {
  if (domain === 'feishu') return Domain.Feishu;
  if (domain === 'lark') return Domain.Lark;
  return domain.replace(/\/$/, '');
}

/** True when the deployment talks to Lark (international): English by default. */
export function isLark(domain: string): boolean {
  return domain === 'lark' || /larksuite\.com|larkoffice\.com/.test(domain);
}

export interface FeishuApi {
  client: Client;
  /** Forgets the cached tenant token (after Feishu refused it). */
  dropToken(): void;
}

export function createFeishuApi(options: {
  appId: string;
  appSecret: string;
  domain: string;
  log: Logger;
  timeoutMs?: number;
}): FeishuApi {
  const cache = new DefaultCache();
  const log = options.log;
  const sdkLog = {
    error: (...msg: unknown[]) => log.debug('feishu sdk error', { detail: msg }),
    warn: (...msg: unknown[]) => log.debug('feishu sdk warning', { detail: msg }),
    info: () => undefined,
    debug: () => undefined,
    trace: () => undefined,
  };
  const client = new Client({
    appId: options.appId,
    appSecret: options.appSecret,
    domain: sdkDomain(options.domain),
    cache,
    httpInstance: fetchHttpInstance(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    logger: sdkLog,
    loggerLevel: LoggerLevel.warn,
  });
  return { client, dropToken: () => cache.values.clear() };
}

/** Reads the `code` of a Feishu `{code, msg}` envelope. */
export function codeOf(body: unknown): number | undefined {
  // Errors have codes of their own (a DOMException timeout has code 23): only envelopes count.
  if (body && typeof body === 'object' && !(body instanceof Error) && 'code' in body) {
    const c = (body as { code: unknown }).code;
    return typeof c === 'number' ? c : undefined;
  }
  return undefined;
}

/** Throws a SendError when an HTTP-200 answer carries a non-zero code (the SDK returns those as-is). */
export function checkEnvelope(body: unknown, api: FeishuApi, what: string): void {
  const code = codeOf(body);
  if (code === undefined || code === 0) return;
  throw classify(body, api, what);
}

/**
 * Turns any failure of an open API call into a SendError the outbox understands: retryable for
 * rate limits (with `x-ogw-ratelimit-reset` / `Retry-After`), 5xx, refused tokens and network
 * errors; not retryable for other 4xx answers and business codes.
 */
export function classify(error: unknown, api: FeishuApi, what: string): SendError {
  if (error instanceof SendError) return error;
  if (error instanceof FeishuHttpError) {
    const code = codeOf(error.body);
    const retryAfterMs = retryAfter(error.headers);
    if (error.status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
      return new SendError(`${what}: rate limited (${error.message})`, true, retryAfterMs ?? 1000, error.status);
    }
    if (code !== undefined && TOKEN_CODES.has(code)) {
      api.dropToken();
      return new SendError(`${what}: tenant token refused (${error.message})`, true, 0, error.status);
    }
    if (error.status >= 500) return new SendError(`${what}: ${error.message}`, true, retryAfterMs, error.status);
    return new SendError(`${what}: ${error.message} ${messageOf(error.body)}`.trim(), false, undefined, error.status);
  }
  const code = codeOf(error);
  if (code !== undefined) {
    // An HTTP 200 answer with a non-zero code.
    if (RATE_LIMIT_CODES.has(code)) return new SendError(`${what}: rate limited (code ${code})`, true, 1000, 200);
    if (TOKEN_CODES.has(code)) {
      api.dropToken();
      return new SendError(`${what}: tenant token refused (code ${code})`, true, 0, 200);
    }
    return new SendError(`${what}: Feishu answered code ${code} ${messageOf(error)}`.trim(), false, undefined, 200);
  }
  const message = error instanceof Error ? error.message : String(error);
  // The SDK's token manager throws `failed to get tenant_access_token, code: N, msg: …`.
  const tokenCode = /failed to get tenant_access_token, code: (\d+)/.exec(message);
  if (tokenCode) {
    const c = Number(tokenCode[1]);
    return new SendError(`${what}: ${message}`, !CREDENTIAL_CODES.has(c), RATE_LIMIT_CODES.has(c) ? 1000 : 5000);
  }
  // Timeouts, refused connections, resets.
  return new SendError(`${what}: ${message}`, true, 1000);
}

function messageOf(body: unknown): string {
  if (body && typeof body === 'object' && 'msg' in body) return String((body as { msg: unknown }).msg);
  return '';
}

/** `x-ogw-ratelimit-reset` (seconds until the window resets) or `Retry-After`, in ms. */
function retryAfter(headers: Headers): number | undefined {
  const reset = headers.get('x-ogw-ratelimit-reset') ?? headers.get('retry-after');
  if (!reset) return undefined;
  const seconds = Number(reset);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(reset);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * The SDK's HttpInstance over node:http (lightFetch, see src/http/light-fetch.ts): resolves with the parsed JSON body (as the SDK's axios
 * interceptor does), throws FeishuHttpError on 4xx/5xx, aborts after `timeoutMs`.
 */
export function fetchHttpInstance(timeoutMs: number): HttpInstance {
  const request = async <R>(opts: HttpRequestOptions<unknown>): Promise<R> => {
    const url = new URL(opts.url ?? '');
    for (const [k, v] of Object.entries(opts.params ?? {})) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) v.forEach((item) => url.searchParams.append(k, String(item)));
      else url.searchParams.set(k, String(v));
    }
    const method = (opts.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined && v !== null) headers[k] = String(v);
    let body: string | undefined;
    if (opts.data !== undefined && method !== 'GET' && method !== 'HEAD') {
      body = typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data);
      headers['Content-Type'] ??= 'application/json; charset=utf-8';
    }
    const res = await lightFetch(url, { method, headers, body, signal: AbortSignal.timeout(opts.timeout || timeoutMs) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Non-JSON body (a proxy's error page): keep the text.
    }
    if (!res.ok) throw new FeishuHttpError(res.status, res.headers, parsed);
    if (opts.$return_headers) {
      const headerRecord: Record<string, string> = {};
      res.headers.forEach((value, key) => (headerRecord[key] = value));
      return { data: parsed, headers: headerRecord } as R;
    }
    return parsed as R;
  };
  const withMethod =
    (method: string) =>
    <R>(url: string, opts?: HttpRequestOptions<unknown>) =>
      request<R>({ ...opts, url, method });
  const withData =
    (method: string) =>
    <R>(url: string, data?: unknown, opts?: HttpRequestOptions<unknown>) =>
      request<R>({ ...opts, url, method, data });
  return {
    request,
    get: withMethod('GET'),
    delete: withMethod('DELETE'),
    head: withMethod('HEAD'),
    options: withMethod('OPTIONS'),
    post: withData('POST'),
    put: withData('PUT'),
    patch: withData('PATCH'),
  } as HttpInstance;
}
