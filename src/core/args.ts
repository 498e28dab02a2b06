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
