import { z } from 'zod';
import type { MessageKey, PlaceholdersOf } from './i18n.js';

/**
 * Command text → words and `key:value` pairs. Pairs may appear anywhere; only keys the sub-command
 * declares are taken out (so a URL or `Error: 500` in a title stays text). Values may be quoted:
 * `system:"customer portal"`.
 */
export interface ParsedText {
  /** Words that are not recognised pairs, in order (quotes removed). */
  words: string[];
  /** Recognised pairs, keys lower-case. */
  pairs: Record<string, string>;
}

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /(\S*?)"([^"]*)"(\S*)|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[4] !== undefined) tokens.push(m[4]);
    else tokens.push(`${m[1]}${m[2]}${m[3]}`);
  }
  return tokens;
}

export function parseText(text: string, knownKeys: readonly string[]): ParsedText {
  const words: string[] = [];
  const pairs: Record<string, string> = {};
  for (const token of tokenize(text.trim())) {
    const m = /^([a-zA-Z][\w-]*):(.+)$/s.exec(token);
    const key = m?.[1]?.toLowerCase();
    if (m && key && knownKeys.includes(key)) pairs[key] = m[2]!;
    else words.push(token);
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
  return [...usage.matchAll(/(?:^|[\s[|])([a-zA-Z][\w-]*):/g)].map((m) => m[1]!.toLowerCase());
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
