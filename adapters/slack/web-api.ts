import { webApi } from '@slack/bolt';
import type { Logger } from '../../src/core/log.js';
import { SendError, type SendErrorCode } from '../../src/core/ports.js';
import { httpSendError, isTimeout, platformSendError, unansweredSendError } from '../kit/send-error.js';
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

/**
 * Slack error codes (`ok:false`) that mean "try again later" rather than "this will never work"
 * (docs.slack.dev/reference/methods/chat.postMessage#errors), with why.
 */
const RETRYABLE_PLATFORM_ERRORS: Record<string, SendErrorCode> = {
  ratelimited: 'rate_limited',
  internal_error: 'server_error',
  fatal_error: 'server_error',
  service_unavailable: 'server_error',
  request_timeout: 'timeout',
  team_not_ready: 'server_error',
};

/** Answers that mean the token itself is wrong. */
const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);

/**
 * Classifies anything a Web API call threw as a SendError (adapters/kit/send-error.ts): 429
 * (with its Retry-After), 5xx, timeouts and network failures are retryable; other HTTP statuses
 * and Slack's `ok:false` answers (`channel_not_found`, `invalid_blocks`, …) are not, except the
 * few above. The SDK's error is kept as the cause.
 */
export function toSendError(e: unknown): SendError {
  if (e instanceof SendError) return e;
  if (e instanceof webApi.WebAPIRateLimitedError) return httpSendError('slack: rate limited', 429, { retryAfterMs: e.retryAfter * 1000, cause: e });
  if (e instanceof webApi.WebAPIHTTPError) return httpSendError(`slack: HTTP ${e.statusCode}`, e.statusCode, { headers: e.headers, cause: e });
  if (e instanceof webApi.WebAPIPlatformError) {
    const code = e.data.error;
    const retryable = RETRYABLE_PLATFORM_ERRORS[code];
    return platformSendError(`slack: ${code}`, { retryable: retryable !== undefined, code: retryable ?? (AUTH_ERRORS.has(code) ? 'auth' : 'refused'), cause: e });
  }
  if (e instanceof webApi.WebAPIRequestError) return unansweredSendError(`slack: request failed (${e.original.message})`, e);
  const message = e instanceof Error ? e.message : String(e);
  // A 429 without a usable Retry-After is thrown by the SDK as a plain Error.
  if (/rate limit|retry header/i.test(message)) return httpSendError(`slack: ${message}`, 429, { cause: e });
  if (isTimeout(e)) return unansweredSendError('slack: timed out', e);
  return new SendError(`slack: ${message}`, false, undefined, undefined, { code: 'refused', cause: e });
}

/** The Slack error code of a failed call, when Slack answered `ok:false`. */
export function platformErrorCode(e: unknown): string | undefined {
  const platform = e instanceof SendError ? e.cause : e;
  if (platform instanceof webApi.WebAPIPlatformError) return platform.data.error;
  if (e instanceof SendError) return /^slack: ([a-z_]+)$/.exec(e.message)?.[1];
  return undefined;
}
