import { Client, DefaultCache, Domain, LoggerLevel, defaultHttpInstance } from '@larksuiteoapi/node-sdk';
import type { Logger } from '../../src/core/log.js';
import { SendError } from '../../src/core/ports.js';
import { retryAfterFromHeaders } from '../kit/retry-after.js';
import { classifyStatus, httpAnswerOf, httpSendError, platformSendError, unansweredSendError } from '../kit/send-error.js';

/**
 * The SDK client, wired for aftercare:
 * - its own token cache (the SDK fetches `tenant_access_token` and keeps it until 3 min before
 *   expiry); per module, so two apps in one process never share a token, and clearable when
 *   Feishu says the token is invalid;
 * - the SDK's own axios instance (it honours HTTP(S)_PROXY), given a timeout: it has none by
 *   default, and a hung call must become a retryable error; it never retries (the outbox does);
 * - SDK log lines routed to our logger (which masks secrets).
 */

/** Feishu answers that mean "slow down": app/tenant rate limit, per-chat limit. */
const RATE_LIMIT_CODES = new Set([99991400, 230020, 11232, 11233]);
/** The tenant token was refused: drop the cached one and try again. */
const TOKEN_CODES = new Set([99991661, 99991663, 99991664, 99991668]);
/** Credentials that will never work: retrying is pointless. */
const CREDENTIAL_CODES = new Set([10003, 10014]);

export const DEFAULT_TIMEOUT_MS = 10_000;

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

/**
 * The SDK's logger, writing through ours (which masks secrets): SDK errors at `errorLevel`,
 * warnings at debug, the rest dropped. The client's errors go to debug: every failed call is
 * classified and logged by the outbox or the caller already.
 */
export function feishuSdkLogger(log: Logger, errorLevel: 'warn' | 'debug') {
  return {
    error: (...msg: unknown[]) => log[errorLevel]('feishu sdk error', { detail: msg }),
    warn: (...msg: unknown[]) => log.debug('feishu sdk warning', { detail: msg }),
    info: () => undefined,
    debug: () => undefined,
    trace: () => undefined,
  };
}

export function createFeishuApi(options: {
  appId: string;
  appSecret: string;
  domain: string;
  log: Logger;
  timeoutMs?: number;
}): FeishuApi {
  const cache = new DefaultCache();
  // The SDK's instance is shared by every client in the process; one timeout suits them all.
  defaultHttpInstance.defaults.timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new Client({
    appId: options.appId,
    appSecret: options.appSecret,
    domain: sdkDomain(options.domain),
    cache,
    logger: feishuSdkLogger(options.log, 'debug'),
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
 * Turns any failure of an open API call into a SendError the outbox understands
 * (adapters/kit/send-error.ts): retryable for rate limits (with `x-ogw-ratelimit-reset` /
 * `Retry-After`, else 1 s), 5xx, 408, refused tokens and network errors; not retryable for other
 * 4xx answers and business codes. Codes from open.feishu.cn "通用错误码" and the IM API docs.
 */
export function classify(error: unknown, api: FeishuApi, what: string): SendError {
  if (error instanceof SendError) return error;
  const http = httpAnswerOf(error);
  if (http) {
    const code = codeOf(http.body);
    const message = `Feishu open API answered HTTP ${http.status}${code !== undefined ? ` code ${code}` : ''}`;
    if (http.status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
      const retryAfterMs = retryAfterFromHeaders(http.headers) ?? 1000;
      return new SendError(`${what}: rate limited (${message})`, true, retryAfterMs, http.status, { code: 'rate_limited', cause: error });
    }
    if (code !== undefined && TOKEN_CODES.has(code)) return tokenRefused(api, `${what}: tenant token refused (${message})`, http.status, error);
    const detail = classifyStatus(http.status).retryable ? '' : ` ${messageOf(http.body)}`;
    return httpSendError(`${what}: ${message}${detail}`.trim(), http.status, { headers: http.headers, cause: error });
  }
  const code = codeOf(error);
  if (code !== undefined) {
    // An HTTP 200 answer with a non-zero code.
    if (RATE_LIMIT_CODES.has(code)) return platformSendError(`${what}: rate limited (code ${code})`, { retryable: true, code: 'rate_limited', retryAfterMs: 1000 });
    if (TOKEN_CODES.has(code)) return tokenRefused(api, `${what}: tenant token refused (code ${code})`, 200);
    return platformSendError(`${what}: Feishu answered code ${code} ${messageOf(error)}`.trim(), { retryable: false, code: 'refused' });
  }
  const message = error instanceof Error ? error.message : String(error);
  // The SDK's token manager throws `failed to get tenant_access_token, code: N, msg: …`.
  const tokenCode = /failed to get tenant_access_token, code: (\d+)/.exec(message);
  if (tokenCode) {
    const c = Number(tokenCode[1]);
    const retryAfterMs = RATE_LIMIT_CODES.has(c) ? 1000 : 5000;
    return new SendError(`${what}: ${message}`, !CREDENTIAL_CODES.has(c), retryAfterMs, undefined, { code: 'auth', cause: error });
  }
  // Timeouts, refused connections, resets.
  return unansweredSendError(`${what}: ${message}`, error, 1000);
}

/** Feishu refused the cached tenant token: drop it, so the next attempt fetches a fresh one at once. */
function tokenRefused(api: FeishuApi, message: string, status: number, cause?: unknown): SendError {
  api.dropToken();
  return new SendError(message, true, 0, status, { code: 'auth', cause });
}

function messageOf(body: unknown): string {
  if (body && typeof body === 'object' && 'msg' in body) return String((body as { msg: unknown }).msg);
  return '';
}
