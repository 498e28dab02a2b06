import type { IncomingHttpHeaders } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { headerValue } from '../kit/headers.js';
import { decryptPayload, verifySignature } from './crypto.js';

/**
 * Checks a delivery before anything reads it. The SDK's dispatcher answers a failed check with
 * HTTP 200 and an empty body, and does not compare `header.token` of encrypted v2 events at all,
 * so we decide here: with an Encrypt Key, the body must be encrypted, decrypt, and carry a valid
 * signature over a request timestamp within five minutes of ours (as Slack's window: a captured
 * delivery cannot be replayed once it has passed; Feishu stamps every redelivery afresh); with a
 * Verification Token, the payload's token must match. Failures answer 400/401 with a JSON reason,
 * and nothing is dispatched or stored.
 */
export type Verified =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; status: 400 | 401; error: string };

export interface VerifyOptions {
  encryptKey?: string;
  verificationToken?: string;
  /** The clock, epoch ms (tests). */
  now?: () => number;
}

/** How far a signed request's timestamp may be from our clock, either way, in seconds. */
export const SIGNATURE_WINDOW_S = 5 * 60;

export function verifyDelivery(rawBody: string, headers: IncomingHttpHeaders, options: VerifyOptions): Verified {
  const outer = parseObject(rawBody);
  if (!outer) return { ok: false, status: 400, error: 'body is not a JSON object' };

  let payload = outer;
  if (options.encryptKey) {
    if (typeof outer.encrypt !== 'string') {
      return { ok: false, status: 400, error: 'expected an encrypted payload: the app has an Encrypt Key (FEISHU_ENCRYPT_KEY)' };
    }
    let plain: string;
    try {
      plain = decryptPayload(options.encryptKey, outer.encrypt);
    } catch {
      return { ok: false, status: 400, error: 'payload could not be decrypted with FEISHU_ENCRYPT_KEY' };
    }
    const inner = parseObject(plain);
    if (!inner) return { ok: false, status: 400, error: 'payload could not be decrypted with FEISHU_ENCRYPT_KEY' };
    payload = inner;
    const sig = {
      timestamp: headerValue(headers, 'x-lark-request-timestamp'),
      nonce: headerValue(headers, 'x-lark-request-nonce'),
      signature: headerValue(headers, 'x-lark-signature'),
    };
    // Feishu signs events and callbacks; the URL challenge is proven by decrypting and by its token.
    const challenge = payload.type === 'url_verification';
    if (!(challenge && !sig.signature) && !verifySignature(options.encryptKey, sig, rawBody)) {
      return { ok: false, status: 401, error: 'invalid request signature (X-Lark-Signature)' };
    }
    if (sig.signature) {
      const at = Number(sig.timestamp);
      const nowS = (options.now ?? Date.now)() / 1000;
      if (!Number.isFinite(at) || Math.abs(nowS - at) > SIGNATURE_WINDOW_S) {
        return { ok: false, status: 401, error: 'request timestamp (X-Lark-Request-Timestamp) is more than 5 minutes from now: replayed or a skewed clock' };
      }
    }
  } else if (typeof outer.encrypt === 'string') {
    return { ok: false, status: 400, error: 'encrypted payload received but FEISHU_ENCRYPT_KEY is not set' };
  }

  if (options.verificationToken) {
    const token = tokenOf(payload);
    if (!token || !safeEqual(token, options.verificationToken)) {
      return { ok: false, status: 401, error: 'invalid verification token (FEISHU_VERIFICATION_TOKEN)' };
    }
  }
  return { ok: true, payload };
}

/** v2 events and callbacks carry the token in `header.token`; v1 events and the URL challenge at the top. */
function tokenOf(payload: Record<string, unknown>): string | undefined {
  const h = payload.header;
  if (h && typeof h === 'object' && typeof (h as { token?: unknown }).token === 'string') return (h as { token: string }).token;
  return typeof payload.token === 'string' ? payload.token : undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
