import { fitText } from '../kit/fit-text.js';
import { mentionSource, renderMarkdown, type MarkdownEmitter } from '../kit/markdown.js';

/**
 * The core's markdown subset (read by adapters/kit/markdown.ts) written as Slack mrkdwn. Slack
 * treats `&`, `<` and `>` as control characters, so they are escaped everywhere except inside the
 * link syntax this module itself produces; mentions stay the core's text (`<@slack:U1>`, escaped).
 */

/** Escapes Slack's three control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const mrkdwn: MarkdownEmitter = {
  text: escapeMrkdwn,
  bold: (inner) => `*${inner}*`,
  italic: (inner) => `_${inner}_`,
  code: (text) => escapeMrkdwn(`\`${text}\``),
  codeBlock: (text) => escapeMrkdwn(`\`\`\`${text}\`\`\``),
  link: (label, url) => {
    const safeUrl = url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
    return `<${safeUrl}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
  },
  mention: (platform, id) => escapeMrkdwn(mentionSource(platform, id)),
  item: (m) => `${m.indent}${m.ordered ? `${m.marker} ` : '• '}`,
  lineBreak: () => '\n',
};

/** Converts the shared markdown subset to Slack mrkdwn. */
export function toMrkdwn(markdown: string): string {
  return renderMarkdown(markdown, mrkdwn);
}

/** Moves a cut at `at` back to before an unclosed `<…>` link or `&…;` entity of mrkdwn `text`. */
export function mrkdwnSafeCut(text: string, at: number): number {
  const open = text.lastIndexOf('<', at - 1);
  if (open >= 0 && open > text.lastIndexOf('>', at - 1)) at = open;
  const amp = text.lastIndexOf('&', at - 1);
  if (amp >= 0 && amp > text.lastIndexOf(';', at - 1) && at - amp < 6) at = amp;
  return at;
}

/** Cuts mrkdwn to at most `max` characters (Slack counts UTF-16 units), marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  return fitText(text, max, { safeCut: mrkdwnSafeCut });
}

/**
 * Splits mrkdwn into pieces of at most `max` characters, at line breaks when it can, else at a
 * space, never inside a `<…>` link or an `&…;` entity.
 */
export function splitMrkdwn(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    const safe = mrkdwnSafeCut(rest, cut);
    if (safe > 0) cut = safe;
    if (/[\uD800-\uDBFF]/.test(rest[cut - 1] ?? '')) cut -= 1;
    if (cut <= 0) cut = max;
    pieces.push(rest.slice(0, cut).replace(/\s+$/, ''));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}
