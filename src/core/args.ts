import { z } from 'zod';
import type { MessageKey, PlaceholdersOf } from './i18n.js';

/** Command text split into words and `key:value` pairs (see `parseText`). */
export interface ParsedText {
  /** Words that are not recognised pairs, in order, as typed (quotes kept). */
  words: string[];
  /** Recognised pairs, keys lower-case. */
  pairs: Record<string, string>;
}

/**
 * Command text as users' keyboards produce it → the text the parser reads. Applied once, in the
 * core, before tokenizing, for every platform (so no adapter keeps a rule of its own):
 * - Unicode NFKC folds compatibility forms: a Chinese or Japanese IME's full-width colon `：`,
 *   slash `／`, comma `，`, letters and digits (`ｓｅｖ：Ｓ１`), the ideographic space U+3000 and
 *   non-breaking spaces become their ASCII forms (UAX #15);
 * - zero-width characters that clients paste invisibly (U+200B–U+200D, U+2060, U+FEFF) go;
 * - line breaks are kept (a description may have several lines).
 * Smart quotes are not rewritten: the tokenizer reads them as quotes, and the words keep them as typed.
 */
export function normalizeInput(text: string): string {
  return text.normalize('NFKC').replace(/[\u200B-\u200D\u2060\uFEFF]/g, '');
}

/** Opening quote → the closing quotes that end it (ASCII and typographic, as phones and IMEs type them). */
const QUOTES: Record<string, string> = { '"': '"\u201D\u201C', '\u201C': '\u201D"', '\u201E': '\u201C\u201D"', '\u201F': '\u201D"', '\u2018': '\u2019', '\u300C': '\u300D', '\u300E': '\u300F' };

/**
 * Whitespace-separated tokens; a quoted span (`"…"`, `“…”`, `‘…’`, `「…」`) keeps its spaces
 * inside one token. Tokens are returned as typed, quotes included (see `unquote`).
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let closers: string | undefined;
  for (const ch of text) {
    if (closers !== undefined) {
      current += ch;
      if (closers.includes(ch)) closers = undefined;
    } else if (/\s/.test(ch)) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += ch;
      if (QUOTES[ch] !== undefined) closers = QUOTES[ch];
    }
  }
  // A quote that never closes is a character like any other: what follows it is split as usual
  // (so `"oops sev:S1` still sets the severity).
  if (closers !== undefined) tokens.push(...current.split(/\s+/).filter(Boolean));
  else if (current) tokens.push(current);
  return tokens;
}

/** A value without the quotes around it: `"customer portal"` / `“customer portal”` → `customer portal`. */
export function unquote(value: string): string {
  const first = value[0] ?? '';
  const closers = QUOTES[first];
  if (closers !== undefined && value.length >= 2 && closers.includes(value[value.length - 1]!)) return value.slice(1, -1);
  return value;
}

/**
 * Why a command's text was refused before its arguments were read: a token that names one of the
 * verb's keys but is not written `key:value` (`sev=S1`, `sev∶S1`, a key with nothing after it).
 * The dispatcher shows it as a localized error naming the token, so a value the user wrote never
 * silently becomes a default.
 */
export class KeySyntaxError extends Error {
  constructor(readonly token: string, readonly key: string) {
    super(`key ${key} written as ${token}`);
    this.name = 'KeySyntaxError';
  }
}

/** A separator a user may put between a key and its value by mistake: punctuation or a symbol other than `:` and the characters names use. */
const WRONG_SEPARATOR = /^[\p{P}\p{S}]$/u;
const NAME_CHARS = /[-_.'/@#([{<"\u201C\u2018!?]/;

/**
 * Command text → words and `key:value` pairs, after `normalizeInput`. Pairs may appear anywhere;
 * only keys the sub-command declares are taken out (so a URL or `Error: 500` in a title stays
 * text). Values may be quoted (`system:"customer portal"`, smart quotes too); `sev: S1` (a space
 * after the colon) reads as `sev:S1`. Throws KeySyntaxError for a declared key written with
 * another separator (`sev=S1`) or without a value.
 */
export function parseText(text: string, knownKeys: readonly string[]): ParsedText {
  const words: string[] = [];
  const pairs: Record<string, string> = {};
  const tokens = tokenize(normalizeInput(text).trim());
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    // `sev` then `:S1` or `: S1` (a space before the colon).
    const bare = token.toLowerCase();
    if (knownKeys.includes(bare) && tokens[i + 1]?.startsWith(':')) {
      const after = tokens[i + 1]!.slice(1) || tokens[i + 2];
      if (!after) throw new KeySyntaxError(`${token} ${tokens[i + 1]}`, bare);
      pairs[bare] = unquote(after);
      i += tokens[i + 1] === ':' ? 2 : 1;
      continue;
    }
    const m = /^([a-zA-Z][\w-]*)(.)([\s\S]*)$/u.exec(token);
    const key = m?.[1]?.toLowerCase();
    if (!m || !key || !knownKeys.includes(key)) {
      words.push(token);
      continue;
    }
    const [, , separator = '', value = ''] = m;
    if (separator === ':') {
      if (value !== '') {
        pairs[key] = unquote(value);
        continue;
      }
      // `sev: S1`: the value is the next token.
      const next = tokens[i + 1];
      if (next === undefined) throw new KeySyntaxError(token, key);
      pairs[key] = unquote(next);
      i++;
      continue;
    }
    // A declared key's name glued to a word (`system-wide`, `severity`) is text; a symbol right after it is a mistyped separator.
    if (value !== '' && WRONG_SEPARATOR.test(separator) && !NAME_CHARS.test(separator)) throw new KeySyntaxError(token, key);
    words.push(token);
  }
  return { words, pairs };
}

/** Normalised IDs: `sup-12` → `SUP-12`; `undefined` when the text is not an ID of that kind. */
export function parseId(text: string | undefined, kinds: ReadonlyArray<'SUP' | 'ALR' | 'SVY'>): string | undefined {
  if (!text) return undefined;
  const m = /^(SUP|ALR|SVY)-(\d{1,9})$/i.exec(text.trim());
  if (!m) return undefined;
  const kind = m[1]!.toUpperCase() as 'SUP' | 'ALR' | 'SVY';
  return kinds.includes(kind) ? `${kind}-${Number(m[2])}` : undefined;
}

/** A user mention as adapters normalise it: `<@slack:U123>`; `me` is the actor. */
export function parseMention(text: string | undefined): { platform: string; id: string } | 'me' | undefined {
  if (!text) return undefined;
  if (text.toLowerCase() === 'me') return 'me';
  const m = /^<@([a-z]+):([^>|]+)(?:\|[^>]*)?>$/.exec(text.trim()) ?? /^@?([a-z]+):(\S+)$/.exec(text.trim());
  if (!m) return undefined;
  return { platform: m[1]!, id: m[2]! };
}

/**
 * The `key:value` options a usage line names: `<ID> [fixed-in:<version>] [cause:<category>]` →
 * `fixed-in`, `cause`. The usage is the one place a verb's options are written, so the parser
 * takes out exactly the pairs help shows.
 */
export function pairKeys(usage: string): string[] {
  // Placeholders (`<YYYY-MM-DD HH:mm>`) describe values, not keys.
  const keysOnly = usage.replace(/<[^>]*>/g, '<>');
  return [...keysOnly.matchAll(/(?:^|[\s[|])([a-zA-Z][\w-]*):/g)].map((m) => m[1]!.toLowerCase());
}

/**
 * Keys a parser may reject with: the dispatcher fills only `{command}` and `{max}`, so a key with
 * any other placeholder would show an empty hole.
 */
export type FailKey = { [K in MessageKey]: PlaceholdersOf<K> extends 'command' | 'max' ? K : never }[MessageKey];

/** Rejects the command text with a message key; the dispatcher turns it into a localized error. */
export type Fail = (key: FailKey) => never;

/**
 * Builds an argument schema from a parse function; its return type is the sub-command's argument
 * type (see `subcommand` in registry.ts).
 */
export function args<A>(fn: (p: ParsedText, fail: Fail) => A): z.ZodType<A, ParsedText> {
  class Rejected extends Error {}
  const schema: z.ZodType<A, ParsedText> = z.custom<ParsedText>().transform((p, ctx): A => {
    try {
      return fn(p, (key) => {
        throw new Rejected(key);
      });
    } catch (e) {
      if (e instanceof Rejected) {
        ctx.addIssue({ code: 'custom', message: e.message });
        return z.NEVER;
      }
      throw e;
    }
  });
  return schema;
}
