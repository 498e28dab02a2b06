import { webApi } from '@slack/bolt';
import type { Logger } from '../../src/core/log.js';
import { SendError } from '../../src/core/ports.js';
import { toBoltLogger } from './bolt-logger.js';

/** Default Slack Web API base URL; `SLACK_API_URL` replaces it (tests point it at a fake on loopback). */
export const SLACK_API_URL = 'https://slack.com/api/';

/** Per-call timeout: a hung Web API must become a retryable error, not a stuck outbox slot. */
export const WEB_API_TIMEOUT_MS = 10_000;

/**
 * Options for every WebClient the adapter (and Bolt, for its listener clients) creates.
 * Retries are off and rate-limited calls are rejected, not queued: the SDK's own policy would
 * pause every call of the process for one busy channel and could post a message twice
 * (SDK-NOTES); the core's outbox owns pacing and retries instead.
 */
export function webClientOptions(apiUrl: string | undefined, log: Logger): webApi.WebClientOptions {
  return {
    slackApiUrl: apiUrl ? apiUrl.replace(/\/?$/, '/') : SLACK_API_URL,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: WEB_API_TIMEOUT_MS,
    logger: toBoltLogger(log.child({ component: 'slack-web-api' })),
  };
}

/** The Web API client the adapter sends with. */
export function createWebClient(token: string, apiUrl: string | undefined, log: Logger): webApi.WebClient {
  return new webApi.WebClient(token, webClientOptions(apiUrl, log));
}

/** Slack error codes (`ok:false`) that mean "try again later" rather than "this will never work". */
const RETRYABLE_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_not_ready']);

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

/** Parses a Retry-After value (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(value: string | number | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(String(value));
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Classifies anything a Web API call threw as a SendError: 429 (with its Retry-After), 5xx,
 * timeouts and network failures are retryable; other HTTP statuses and Slack's `ok:false`
 * answers (`channel_not_found`, `invalid_blocks`, …) are not.
 */
export function toSendError(e: unknown): SendError {
  if (e instanceof SendError) return e;
  if (e instanceof webApi.WebAPIRateLimitedError) return new SendError('slack: rate limited', true, e.retryAfter * 1000, 429);
  if (e instanceof webApi.WebAPIHTTPError) {
    const retryable = e.statusCode >= 500 || e.statusCode === 408 || e.statusCode === 429;
    return new SendError(`slack: HTTP ${e.statusCode}`, retryable, retryAfterMs(header(e.headers, 'retry-after')), e.statusCode);
  }
  if (e instanceof webApi.WebAPIPlatformError) {
    const code = e.data.error;
    return new SendError(`slack: ${code}`, RETRYABLE_PLATFORM_ERRORS.has(code), undefined, 200);
  }
  if (e instanceof webApi.WebAPIRequestError) return new SendError(`slack: request failed (${e.original.message})`, true);
  const message = e instanceof Error ? e.message : String(e);
  // A 429 without a usable Retry-After is thrown by the SDK as a plain Error.
  if (/rate limit|retry header/i.test(message)) return new SendError(`slack: ${message}`, true, undefined, 429);
  if (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError')) return new SendError('slack: timed out', true);
  return new SendError(`slack: ${message}`, false);
}

/** The Slack error code of a failed call, when Slack answered `ok:false`. */
export function platformErrorCode(e: unknown): string | undefined {
  if (e instanceof webApi.WebAPIPlatformError) return e.data.error;
  if (e instanceof SendError) return /^slack: ([a-z_]+)$/.exec(e.message)?.[1];
  return undefined;
}
