/**
 * Fitting text into a platform's size limit: cut, never split a character, and show the cut.
 * Platforms count differently — Slack in characters (UTF-16 code units, as JavaScript's `length`),
 * Teams and Feishu in bytes of the serialized message — so each call names its unit.
 */

/** What a limit counts: UTF-16 code units (`chars`, a string's `length`) or UTF-8 `bytes`. */
export type TextUnit = 'chars' | 'bytes';

/** How fitText measures and marks a cut. */
export interface FitOptions {
  /** Default `chars`. */
  unit?: TextUnit;
  /** Marks the cut, counted within the limit. Default `…`. */
  ellipsis?: string;
  /**
   * Moves a cut position (a string index) back so it does not fall inside a platform token, e.g.
   * Slack's `<url|label>` links and `&amp;` entities. Called after the cut avoids splitting a character.
   */
  safeCut?(text: string, at: number): number;
}

/** The size of `text` in `unit`. */
export function sizeOf(text: string, unit: TextUnit = 'chars'): number {
  return unit === 'bytes' ? Buffer.byteLength(text, 'utf8') : text.length;
}

/** The largest index at which `text` can be cut with at most `budget` units before it, on a code point boundary. */
function cutIndex(text: string, budget: number, unit: TextUnit): number {
  if (budget <= 0) return 0;
  if (unit === 'chars') {
    const at = Math.min(budget, text.length);
    return /[\uD800-\uDBFF]/.test(text[at - 1] ?? '') ? at - 1 : at;
  }
  let size = 0;
  let at = 0;
  for (const ch of text) {
    size += Buffer.byteLength(ch, 'utf8');
    if (size > budget) break;
    at += ch.length;
  }
  return at;
}

/**
 * `text` unchanged when it fits `max` (in `options.unit`); otherwise cut to fit with the ellipsis,
 * trailing white space before the ellipsis dropped. Never splits a surrogate pair.
 */
export function fitText(text: string, max: number, options: FitOptions = {}): string {
  const unit = options.unit ?? 'chars';
  if (sizeOf(text, unit) <= max) return text;
  const ellipsis = options.ellipsis ?? '…';
  let at = cutIndex(text, max - sizeOf(ellipsis, unit), unit);
  if (options.safeCut) at = options.safeCut(text, at);
  return text.slice(0, at).trimEnd() + ellipsis;
}

/** A string inside a rendered message that may be shortened in place. */
export interface TextSlot {
  get(): string;
  set(value: string): void;
}

/** Sizes for shrinkLongest, in UTF-8 bytes (what Teams' 28 KB and Feishu's 30 KB limits count). */
export interface ShrinkOptions {
  /** Slots at or under this many bytes are left alone. */
  minBytes: number;
  /** Bytes cut beyond the excess, for what escaping adds back. Default 64. */
  marginBytes?: number;
  /** Default `…`. */
  ellipsis?: string;
  /** Upper bound on cuts, so a document that cannot fit stops. Default 1,000. */
  maxCuts?: number;
}

/**
 * Shortens the longest text of a rendered message, again and again, until `excess()` (how many
 * bytes the serialized message is over the platform's limit) is no longer positive, or every slot
 * is down to `minBytes`. `slots()` is asked again before each cut, so a caller may also drop
 * elements between rounds. Returns the last excess: positive when the texts alone could not fit.
 */
export function shrinkLongest(slots: () => TextSlot[], excess: () => number, options: ShrinkOptions): number {
  const margin = options.marginBytes ?? 64;
  const maxCuts = options.maxCuts ?? 1000;
  let over = excess();
  for (let cuts = 0; over > 0 && cuts < maxCuts; cuts++) {
    let longest: { slot: TextSlot; bytes: number } | undefined;
    for (const slot of slots()) {
      const bytes = sizeOf(slot.get(), 'bytes');
      if (!longest || bytes > longest.bytes) longest = { slot, bytes };
    }
    if (!longest || longest.bytes <= options.minBytes) return over;
    const target = Math.max(options.minBytes, Math.min(longest.bytes - over - margin, longest.bytes - 16));
    longest.slot.set(fitText(longest.slot.get(), target, { unit: 'bytes', ellipsis: options.ellipsis }));
    over = excess();
  }
  return over;
}
