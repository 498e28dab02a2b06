import { headerValue } from './headers.js';

// The delay a platform asks for before the next attempt: one reading for every adapter.

/**
 * `Retry-After` (RFC 9110 §10.2.3) in milliseconds from `now` (epoch ms): either delay-seconds
 * (`"7"`, also fractional or a number) or an HTTP date. Never negative; `undefined` when absent or
 * unreadable.
 */
export function parseRetryAfter(value: string | number | undefined | null, now = Date.now()): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(String(value));
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The delay, in milliseconds, that a failed call's response headers ask for. Feishu/Lark's gateway
 * sends `x-ogw-ratelimit-reset` (seconds until its rate-limit window resets; open.feishu.cn "频率
 * 控制" docs) and it wins over `Retry-After`, which Slack (docs.slack.dev "Rate limits") and the Bot
 * Connector send.
 */
export function retryAfterFromHeaders(headers: unknown, now = Date.now()): number | undefined {
  return parseRetryAfter(headerValue(headers, 'x-ogw-ratelimit-reset') ?? headerValue(headers, 'retry-after'), now);
}
