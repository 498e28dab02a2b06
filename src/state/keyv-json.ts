import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';

/**
 * Keyv's value format, written faster. `@keyv/serialize` builds the JSON by hand, value by value,
 * to escape strings that begin with `:` (its marker for Buffers); we store no Buffers, and that
 * walk measured ~0.1 ms per command plus its garbage. Here `JSON.stringify` does the work and the
 * slow path runs only when the output holds a string that begins with `:` (or anything that might
 * be one), so stored values stay byte-for-byte what `@keyv/serialize` writes and reads.
 */
const MAYBE_COLON_STRING = /[[:,]":/;

export function serializeValue(data: unknown): string {
  const fast = JSON.stringify(data ?? null);
  if (!MAYBE_COLON_STRING.test(fast) && !fast.startsWith('":') && !hasBuffer(data)) return fast;
  return defaultSerialize(data as never);
}

export function deserializeValue<T>(text: string): T {
  if (!MAYBE_COLON_STRING.test(text) && !text.startsWith('":')) return JSON.parse(text) as T;
  return defaultDeserialize(text) as T;
}

/** Keyv wraps values as `{ value, expires }`: a Buffer could only sit at `value`. */
function hasBuffer(data: unknown): boolean {
  return Buffer.isBuffer(data) || (typeof data === 'object' && data !== null && Buffer.isBuffer((data as { value?: unknown }).value));
}
