import { createHash } from 'node:crypto';

/**
 * Stable ids derived from what a platform repeats verbatim when it redelivers: the dedupe key of
 * an inbound delivery (InboundEvent.id), or an idempotency key the platform accepts (Feishu's
 * `uuid`). Deterministic on purpose: the same payload must give the same id in every process and
 * after a restart, or a redelivery would run twice.
 */

/** 32 lowercase hex characters (the first 128 bits of SHA-256) of `text`: short enough for every platform's key field (Feishu's `uuid` takes 50). */
export function digestId(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * A digest of several payload fields (absent ones count as empty), joined with NUL so that no
 * two different field lists join to the same text.
 */
export function deliveryId(...parts: Array<string | undefined>): string {
  return digestId(parts.map((p) => p ?? '').join('\u0000'));
}
