/**
 * The one reading of the core's markdown subset (src/core/types.ts TextBlock): `**bold**`,
 * `_italic_`, `` `code` ``, ```` ```code blocks``` ````, `[label](url)`, `<@platform:id>` mentions,
 * line breaks and list items (`- `, `* `, `1. ` at the start of a line). Each platform writes the
 * tokens with a small MarkdownEmitter of its own (Slack mrkdwn, Adaptive Card markdown, Feishu
 * card markdown, playground HTML), so every platform agrees on what the subset means.
 *
 * Rules, where the subset needs them:
 * - code is verbatim: nothing inside a code span or block is read as markup;
 * - `_italic_` only between word boundaries (space, `(` or the line's start before; space,
 *   punctuation or the line's end after), so `snake_case_name` stays as it is;
 * - links need an `http(s)://` or `mailto:` URL; anything else is text;
 * - bold and italic may hold code, links and mentions; a link's label is plain text.
 */

/** A piece of one line. */
export type MarkdownInline =
  | { type: 'text'; text: string }
  | { type: 'bold'; children: MarkdownInline[] }
  | { type: 'italic'; children: MarkdownInline[] }
  | { type: 'code'; text: string }
  | { type: 'code_block'; text: string }
  | { type: 'link'; label: string; url: string }
  | { type: 'mention'; platform: string; id: string };

/** A list item's marker at the start of a line: `indent` as written, `marker` `-`, `*` or `<n>.`. */
export interface ListMarker {
  indent: string;
  marker: string;
  ordered: boolean;
}

/** A line break, and whether the lines on either side of it are list items. */
export interface LineBreak {
  afterItem: boolean;
  beforeItem: boolean;
}

/** A token in reading order: inline pieces, a list item's marker at a line start, or a line break. */
export type MarkdownToken = MarkdownInline | ({ type: 'item' } & ListMarker) | ({ type: 'break' } & LineBreak);

const CODE_BLOCK = /```([\s\S]*?)```/g;
const ITEM = /^([ \t]*)([-*]|\d+\.)[ \t]+/;
const INLINE =
  /`([^`\n]+)`|\[([^\]\n]+)\]\(((?:https?:\/\/|mailto:)[^)\s]+)\)|<@([a-z]+):([^<>\s|]+)>|\*\*([^*\n]+?)\*\*|(?<=^|[\s(])_([^_\n]+)_(?=$|[\s).,!?:;，。])/g;

/** The inline tokens of text without line breaks. */
function inline(text: string): MarkdownInline[] {
  const out: MarkdownInline[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push({ type: 'text', text: text.slice(last, m.index) });
    if (m[1] !== undefined) out.push({ type: 'code', text: m[1] });
    else if (m[2] !== undefined) out.push({ type: 'link', label: m[2], url: m[3]! });
    else if (m[4] !== undefined) out.push({ type: 'mention', platform: m[4], id: m[5]! });
    else if (m[6] !== undefined) out.push({ type: 'bold', children: inline(m[6]) });
    else out.push({ type: 'italic', children: inline(m[7]!) });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ type: 'text', text: text.slice(last) });
  return out;
}

/** Tokens of `source` in reading order (`\r\n` and `\r` read as line breaks). */
export function tokenizeMarkdown(source: string): MarkdownToken[] {
  const text = source.replace(/\r\n?/g, '\n');
  const tokens: MarkdownToken[] = [];
  let lineIsItem = false;
  let pendingBreak: ({ type: 'break' } & LineBreak) | undefined;
  const lines = (segment: string, startsLine: boolean) => {
    segment.split('\n').forEach((line, i) => {
      if (i > 0) {
        pendingBreak = { type: 'break', afterItem: lineIsItem, beforeItem: false };
        tokens.push(pendingBreak);
        lineIsItem = false;
      }
      let rest = line;
      const item = i > 0 || startsLine ? ITEM.exec(line) : null;
      if (item) {
        tokens.push({ type: 'item', indent: item[1]!, marker: item[2]!, ordered: item[2] !== '-' && item[2] !== '*' });
        if (pendingBreak) pendingBreak.beforeItem = true;
        lineIsItem = true;
        rest = line.slice(item[0].length);
      }
      pendingBreak = undefined;
      tokens.push(...inline(rest));
    });
  };
  let last = 0;
  for (const m of text.matchAll(CODE_BLOCK)) {
    lines(text.slice(last, m.index), last === 0);
    tokens.push({ type: 'code_block', text: m[1]! });
    last = m.index + m[0].length;
  }
  lines(text.slice(last), last === 0);
  return tokens;
}

/**
 * How one platform writes each token. `text`, `code`, `codeBlock`, `link` and `mention` get the
 * source text (escape it there); `bold` and `italic` get their content already written.
 */
export interface MarkdownEmitter {
  text(text: string): string;
  bold(inner: string): string;
  italic(inner: string): string;
  code(text: string): string;
  codeBlock(text: string): string;
  link(label: string, url: string): string;
  mention(platform: string, id: string): string;
  item(marker: ListMarker): string;
  lineBreak(around: LineBreak): string;
  /** A last pass over the whole output (e.g. collapsing blank lines). */
  finish?(out: string): string;
}

function emitInline(tokens: MarkdownInline[], emitter: MarkdownEmitter): string {
  return tokens
    .map((t) => {
      switch (t.type) {
        case 'text':
          return emitter.text(t.text);
        case 'bold':
          return emitter.bold(emitInline(t.children, emitter));
        case 'italic':
          return emitter.italic(emitInline(t.children, emitter));
        case 'code':
          return emitter.code(t.text);
        case 'code_block':
          return emitter.codeBlock(t.text);
        case 'link':
          return emitter.link(t.label, t.url);
        case 'mention':
          return emitter.mention(t.platform, t.id);
      }
    })
    .join('');
}

/** `source` in the subset, written for one platform. */
export function renderMarkdown(source: string, emitter: MarkdownEmitter): string {
  let out = '';
  for (const t of tokenizeMarkdown(source)) {
    if (t.type === 'item') out += emitter.item(t);
    else if (t.type === 'break') out += emitter.lineBreak(t);
    else out += emitInline([t], emitter);
  }
  return emitter.finish ? emitter.finish(out) : out;
}

/** The mention as the core writes it: `<@platform:id>`. */
export function mentionSource(platform: string, id: string): string {
  return `<@${platform}:${id}>`;
}

/**
 * Plain text: markup dropped, link labels kept, list markers and mentions as written. For
 * platform fields that show no markup (Slack plain_text, notification summaries).
 */
export const plainEmitter: MarkdownEmitter = {
  text: (text) => text,
  bold: (inner) => inner,
  italic: (inner) => inner,
  code: (text) => text,
  codeBlock: (text) => text,
  link: (label) => label,
  mention: mentionSource,
  item: (m) => `${m.indent}${m.marker} `,
  lineBreak: () => '\n',
};

/** `source` reduced to plain text (see plainEmitter). */
export function markdownToPlain(source: string): string {
  return renderMarkdown(source, plainEmitter);
}
