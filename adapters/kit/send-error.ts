import { setTimeout as sleep } from 'node:timers/promises';
import { SendError, type SendErrorCode } from '../../src/core/ports.js';
import { retryAfterFromHeaders } from './retry-after.js';

/**
 * Turning a failed platform call into the SendError the outbox acts on, the same way for every
 * adapter: 429 → retry after what the platform asked; 5xx, 408, timeouts and calls that got no
 * answer → retry; any other 4xx → final. Platform answers inside an HTTP 200 (Slack `ok:false`,
 * Feishu `code`) are the adapter's to judge; `platformSendError` only builds them alike.
 */

/** What classification reads of an HTTP answer: its status, headers and body as the SDK kept them. */
export interface HttpAnswer {
  status: number;
  headers?: unknown;
  body?: unknown;
}

/**
 * The HTTP answer inside an SDK's error, wherever the SDK put it: `statusCode` + `headers` (Slack's
 * WebAPIHTTPError, Azure's RestError), `response.status` + `response.headers` + `response.data`
 * (axios, which the Feishu SDK uses), or `status`. `undefined` when the call got no answer.
 */
export function httpAnswerOf(error: unknown): HttpAnswer | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { statusCode?: unknown; status?: unknown; headers?: unknown; body?: unknown; response?: { status?: unknown; headers?: unknown; data?: unknown; body?: unknown } };
  const status = [e.statusCode, e.response?.status, e.status].find((s): s is number => typeof s === 'number');
  if (status === undefined) return undefined;
  return { status, headers: e.response?.headers ?? e.headers, body: e.response?.data ?? e.response?.body ?? e.body };
}

/**
 * Whether an HTTP status means "try again": 429 (`rate_limited`), 408 (`timeout`), 5xx
 * (`server_error`), and `alsoRetryable` statuses a platform documents as transient (the Bot
 * Connector's 412). Every other status is final (`refused`).
 */
export function classifyStatus(status: number, alsoRetryable: readonly number[] = []): { retryable: boolean; code: SendErrorCode } {
  if (status === 429) return { retryable: true, code: 'rate_limited' };
  if (status === 408) return { retryable: true, code: 'timeout' };
  if (status >= 500 || alsoRetryable.includes(status)) return { retryable: true, code: 'server_error' };
  return { retryable: false, code: 'refused' };
}

/** What httpSendError reads besides the status. */
export interface HttpSendErrorOptions {
  /** The failed call's response headers, read for the delay (see retryAfterFromHeaders). */
  headers?: unknown;
  /** A delay the SDK already parsed, ms; wins over `headers`. */
  retryAfterMs?: number;
  /** Statuses the platform documents as transient besides 429, 408 and 5xx. */
  alsoRetryable?: readonly number[];
  cause?: unknown;
}

/** A SendError for an HTTP answer (see classifyStatus); carries the status and the delay asked for, in ms. */
export function httpSendError(message: string, status: number, options: HttpSendErrorOptions = {}): SendError {
  const { retryable, code } = classifyStatus(status, options.alsoRetryable);
  const retryAfterMs = options.retryAfterMs ?? retryAfterFromHeaders(options.headers);
  return new SendError(message, retryable, retryAfterMs, status, { code, cause: options.cause });
}

/**
 * True when an error says the call ran out of time: AbortSignal.timeout (`TimeoutError`), an
 * aborted fetch (`AbortError`), Node's `ETIMEDOUT`/`ESOCKETTIMEDOUT`, axios' `ECONNABORTED`;
 * looked for in `cause` and `original` (Slack's WebAPIRequestError) too.
 */
export function isTimeout(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const e = error as { name?: unknown; code?: unknown; cause?: unknown; original?: unknown };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
  if (e.code === 'ETIMEDOUT' || e.code === 'ESOCKETTIMEDOUT' || e.code === 'ECONNABORTED') return true;
  return isTimeout(e.cause, depth + 1) || isTimeout(e.original, depth + 1);
}

/**
 * A SendError for a call that got no HTTP answer: `timeout` when it ran out of time, else `network`
 * (refused, reset, DNS). Always retryable: the platform may never have seen the call.
 */
export function unansweredSendError(message: string, cause: unknown, retryAfterMs?: number): SendError {
  return new SendError(message, true, retryAfterMs, undefined, { code: isTimeout(cause) ? 'timeout' : 'network', cause });
}

/**
 * A SendError for a platform's own answer (Slack `ok:false`, Feishu's non-zero `code`), judged by
 * the adapter from the platform's documented codes. `status` defaults to 200: such answers usually
 * arrive with it.
 */
export function platformSendError(
  message: string,
  judged: { retryable: boolean; code: SendErrorCode; status?: number; retryAfterMs?: number; cause?: unknown },
): SendError {
  return new SendError(message, judged.retryable, judged.retryAfterMs, judged.status ?? 200, { code: judged.code, cause: judged.cause });
}

/** How sendWithRetry retries: attempts, classification, delays in ms. */
export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The adapter's classification of whatever the call threw. */
  classify(error: unknown): SendError;
  /** First backoff when the platform named no delay, ms; doubled per attempt. Default 500. */
  baseDelayMs?: number;
  /** No wait is longer than this, even when the platform asks for more, ms. */
  maxDelayMs: number;
  /** Told before each wait (for a log line). */
  onRetry?(error: SendError, attempt: number, waitMs: number): void;
}

/**
 * Calls `send` until it succeeds, a failure is final, or `attempts` run out; waits between
 * attempts for the platform's Retry-After, else an exponential backoff. Throws the last failure,
 * classified. For calls the outbox cannot make for the adapter (Slack response_urls, Feishu card
 * edits after a slow callback); everything else is retried by the outbox.
 */
export async function sendWithRetry<T>(send: () => Promise<T>, options: RetryOptions): Promise<T> {
  const base = options.baseDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      const error = options.classify(e);
      if (!error.retryable || attempt >= options.attempts) throw error;
      const waitMs = Math.min(error.retryAfterMs ?? base * 2 ** (attempt - 1), options.maxDelayMs);
      options.onRetry?.(error, attempt, waitMs);
      await sleep(waitMs);
    }
  }
}
