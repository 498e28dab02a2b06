import { createHmac } from 'node:crypto';

/** How a Slack request body travels. */
export type SlackBody =
  | { form: Record<string, string> }
  | { payload: unknown }
  | { json: unknown };

export interface SendOptions {
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Sign with this secret instead (a forgery). */
  secret?: string;
  retryNum?: number;
  retryReason?: string;
  contentType?: string;
}

/** The exact body string and content type Slack sends for a body. */
export function encode(body: SlackBody): { raw: string; contentType: string } {
  if ('form' in body) return { raw: new URLSearchParams(body.form).toString(), contentType: 'application/x-www-form-urlencoded' };
  if ('payload' in body) return { raw: `payload=${encodeURIComponent(JSON.stringify(body.payload))}`, contentType: 'application/x-www-form-urlencoded' };
  return { raw: JSON.stringify(body.json), contentType: 'application/json' };
}

/** Slack's v0 signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret. */
export function sign(secret: string, timestamp: number, raw: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${raw}`).digest('hex')}`;
}

/** Headers Slack sends with a signed request. */
export function slackHeaders(secret: string, raw: string, contentType: string, options: SendOptions = {}): Record<string, string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': sign(options.secret ?? secret, timestamp, raw),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
  }
  return headers;
}

/** POSTs a body to `url` signed exactly as Slack signs it. */
export async function sendSigned(url: string, secret: string, body: SlackBody, options: SendOptions = {}): Promise<{ status: number; text: string; ms: number }> {
  const { raw, contentType } = encode(body);
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: slackHeaders(secret, raw, contentType, options), body: raw });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}
