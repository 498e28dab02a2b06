/**
 * The core's markdown subset (**bold**, _italic_, `code`, [text](url), line breaks, `- ` bullets)
 * translated to Slack mrkdwn. Slack treats `&`, `<` and `>` as control characters, so they are
 * escaped everywhere except inside the link syntax this module itself produces.
 */

const TOKEN = /(```[\s\S]*?```|`[^`\n]+`)|\[([^\]\n]+)\]\(((?:https?:\/\/|mailto:)[^)\s]+)\)/g;

/** Escapes Slack's three control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function plain(segment: string): string {
  return escapeMrkdwn(segment)
    .replace(/\*\*([^*\n]+?)\*\*/g, '*$1*')
    .replace(/^([ \t]*)[-*] /gm, '$1• ');
}

function link(label: string, url: string): string {
  const safeUrl = url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
  const safeLabel = escapeMrkdwn(label).replace(/\|/g, '¦');
  return `<${safeUrl}|${safeLabel}>`;
}

/** Converts the shared markdown subset to Slack mrkdwn. */
export function toMrkdwn(markdown: string): string {
  let out = '';
  let last = 0;
  for (const m of markdown.matchAll(TOKEN)) {
    out += plain(markdown.slice(last, m.index));
    if (m[1] !== undefined) out += escapeMrkdwn(m[1]);
    else out += link(m[2]!, m[3]!);
    last = m.index + m[0].length;
  }
  return out + plain(markdown.slice(last));
}

/** Markdown reduced to plain text (for plain_text objects: headers, buttons, labels). */
export function toPlain(markdown: string): string {
  return markdown
    .replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, '$1')
    .replace(/\*\*([^*\n]+?)\*\*/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1');
}

/** Cuts `text` to at most `max` characters (code points never split), marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  // Never leave half a surrogate pair or an unclosed Slack link/entity behind.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const open = cut.lastIndexOf('<');
  if (open > cut.lastIndexOf('>')) cut = cut.slice(0, open);
  const amp = cut.lastIndexOf('&');
  if (amp > cut.lastIndexOf(';') && cut.length - amp < 6) cut = cut.slice(0, amp);
  return `${cut}…`;
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
    const open = rest.lastIndexOf('<', cut - 1);
    if (open > rest.lastIndexOf('>', cut - 1) && open > 0) cut = open;
    const amp = rest.lastIndexOf('&', cut - 1);
    if (amp > rest.lastIndexOf(';', cut - 1) && cut - amp < 6 && amp > 0) cut = amp;
    if (/[\uD800-\uDBFF]/.test(rest[cut - 1] ?? '')) cut -= 1;
    if (cut <= 0) cut = max;
    pieces.push(rest.slice(0, cut).replace(/\s+$/, ''));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}
