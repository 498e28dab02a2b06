import type { Block, Button, Card, FormInput, Locale, OutboundMessage, Tone } from '../../src/core/types.js';
import { fallbackTextOf } from '../kit/fallback.js';
import { fitText, shrinkLongest, type TextSlot } from '../kit/fit-text.js';
import { markdownToPlain, mentionSource, renderMarkdown, type MarkdownEmitter } from '../kit/markdown.js';
import { clickable, showableImage } from '../kit/links.js';

/**
 * The pure renderer from aftercare's card model to a Feishu/Lark interactive card, JSON 2.0
 * (`schema: "2.0"`, elements under `body`). JSON 2.0 rejects unknown attributes, so every element
 * carries only documented fields. Every message becomes a card — even a text-only one — because
 * only cards render markdown and only cards can be edited in place (`im.v1.message.patch`).
 *
 * Callback values: a button sends `{ a: actionId, v: value }`, a form's submit button sends
 * `{ f: formId }` with the inputs in `action.form_value`; inbound.ts reads them back.
 */

/** A Feishu card JSON object. */
export type FeishuCard = Record<string, unknown>;
type Element = Record<string, unknown>;

/** Feishu's limit on a card's JSON is 30 KB; the escaped `content` string is what counts. */
export const CARD_LIMIT_BYTES = 30 * 1024;
const SUMMARY_MAX = 120;
/** Markdown texts shorter than this are never cut to fit the card limit. */
const MIN_TEXT_BYTES = 40;

/** Feishu's i18n keys for our locales. */
export const FEISHU_LOCALE: Record<Locale, 'en_us' | 'zh_cn'> = { en: 'en_us', 'zh-CN': 'zh_cn' };

const TEMPLATE: Record<Tone, string> = {
  info: 'blue',
  success: 'green',
  warning: 'orange',
  danger: 'red',
  neutral: 'grey',
};

const BUTTON_TYPE: Record<NonNullable<Button['style']>, string> = {
  primary: 'primary',
  danger: 'danger',
  default: 'default',
};

export interface RenderOptions {
  /** The language `message` is written in. */
  locale: Locale;
  /**
   * The same message in the other language (cards posted to groups): when its structure matches,
   * every text gets `i18n_content` and each reader sees their Feishu client's language.
   */
  alternate?: { locale: Locale; message: OutboundMessage };
  /** Feishu's img_key of each uploaded stored image, by the image block's `imageId`. */
  imageKeys?: ReadonlyMap<string, string>;
}

/** Renders a message (its card, or its text as a markdown card) to a Feishu JSON 2.0 card under 30 KB. */
export function toFeishuCard(message: OutboundMessage, options: RenderOptions): FeishuCard {
  const images = options.imageKeys ?? new Map<string, string>();
  let card = renderOne(message, images);
  if (options.alternate && options.alternate.locale !== options.locale) {
    const merged = mergeI18n(card, renderOne(options.alternate.message, images), FEISHU_LOCALE[options.locale], FEISHU_LOCALE[options.alternate.locale]);
    if (merged) card = merged;
  }
  return fitToLimit(card);
}

/** The byte size Feishu counts: the card JSON as it travels inside the `content` string. */
export function cardBytes(card: FeishuCard): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(card)));
}

function renderOne(message: OutboundMessage, images: ReadonlyMap<string, string>): FeishuCard {
  const source: Card = message.card ?? { blocks: [{ type: 'text', text: message.text }] };
  const out: FeishuCard = {
    schema: '2.0',
    config: { update_multi: true, summary: { content: summarize(message) } },
  };
  if (source.title) {
    out.header = {
      title: { tag: 'plain_text', content: source.title },
      template: TEMPLATE[source.tone ?? 'info'],
    };
  }
  const elements = source.blocks.flatMap((b) => renderBlock(b, images));
  out.body = { elements: elements.length > 0 ? elements : [markdown(message.text)] };
  return out;
}

function renderBlock(block: Block, images: ReadonlyMap<string, string>): Element[] {
  switch (block.type) {
    case 'text':
      return [markdown(block.text)];
    case 'fields':
      return renderFields(block.fields);
    case 'context':
      return [{ tag: 'markdown', content: toMarkdown(block.text), text_size: 'notation' }];
    case 'divider':
      return [{ tag: 'hr' }];
    case 'actions':
      return [renderButtons(clickable(block.buttons))];
    case 'form':
      return [renderForm(block.formId, block.inputs, block.submitLabel)];
    case 'image':
    {
      // Feishu shows only pictures uploaded to it (im/v1/images): by img_key when the adapter
      // uploaded this one, else a link to its public URL.
      const imgKey = block.imageId ? images.get(block.imageId) : undefined;
      if (imgKey) return [{ tag: 'img', img_key: imgKey, alt: { tag: 'plain_text', content: block.alt }, scale_type: 'fit_horizontal' }];
      return [markdown(showableImage(block.url) ? `[${block.alt}](${block.url})` : block.alt)];
    }
  }
}

function markdown(text: string): Element {
  return { tag: 'markdown', content: toMarkdown(text) };
}

/** Two fields per row, label in bold above the value, like Slack's field grid. */
function renderFields(fields: Array<{ label: string; value: string }>): Element[] {
  const rows: Element[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const pair = fields.slice(i, i + 2);
    rows.push({
      tag: 'column_set',
      horizontal_spacing: 'large',
      columns: pair.map((f) => ({
        tag: 'column',
        width: 'weighted',
        weight: 1,
        elements: [{ tag: 'markdown', content: `**${toMarkdown(f.label)}**\n${toMarkdown(f.value)}` }],
      })),
    });
  }
  return rows;
}

function renderButtons(buttons: Button[]): Element {
  return {
    tag: 'column_set',
    flex_mode: 'flow',
    horizontal_spacing: 'small',
    columns: buttons.map((b) => ({ tag: 'column', width: 'auto', elements: [renderButton(b)] })),
  };
}

function renderButton(b: Button): Element {
  const behaviors = b.url
    ? [{ type: 'open_url', default_url: b.url }]
    : [{ type: 'callback', value: b.value === undefined ? { a: b.actionId } : { a: b.actionId, v: b.value } }];
  return {
    tag: 'button',
    text: { tag: 'plain_text', content: b.label },
    type: BUTTON_TYPE[b.style ?? 'default'],
    behaviors,
  };
}

function renderForm(formId: string, inputs: FormInput[], submitLabel: string): Element {
  const elements: Element[] = inputs.flatMap(renderInput);
  elements.push({
    tag: 'button',
    name: 'submit',
    text: { tag: 'plain_text', content: submitLabel },
    type: 'primary',
    form_action_type: 'submit',
    behaviors: [{ type: 'callback', value: { f: formId } }],
  });
  return { tag: 'form', name: formName(formId), elements };
}

/** Form names must be unique in a card and plain identifiers. */
function formName(formId: string): string {
  return `form_${formId.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function renderInput(input: FormInput): Element[] {
  const placeholder = input.placeholder ? { placeholder: { tag: 'plain_text', content: input.placeholder } } : {};
  if (input.kind === 'select') {
    const options = (input.options ?? []).map((o) => ({ text: { tag: 'plain_text', content: o.label }, value: o.value }));
    const initial = input.initial !== undefined && options.some((o) => o.value === input.initial) ? { initial_option: input.initial } : {};
    return [
      { tag: 'markdown', content: `**${toMarkdown(input.label)}**${input.required ? ' *' : ''}` },
      { tag: 'select_static', name: input.id, required: input.required ?? false, ...placeholder, ...initial, options },
    ];
  }
  return [
    {
      tag: 'input',
      name: input.id,
      required: input.required ?? false,
      label: { tag: 'plain_text', content: input.label },
      label_position: 'top',
      ...placeholder,
      ...(input.initial !== undefined ? { default_value: input.initial } : {}),
      ...(input.maxLength !== undefined ? { max_length: Math.min(input.maxLength, 1000) } : {}),
      ...(input.kind === 'textarea' ? { input_type: 'multiline_text', rows: 4 } : {}),
    },
  ];
}

const larkMarkdown: MarkdownEmitter = {
  text: (text) => text,
  bold: (inner) => `**${inner}**`,
  italic: (inner) => `*${inner}*`,
  code: (text) => `\`${text}\``,
  codeBlock: (text) => `\`\`\`${text}\`\`\``,
  link: (label, url) => `[${label}](${url})`,
  mention: (platform, id) => (platform === 'feishu' && /^[A-Za-z0-9_-]+$/.test(id) ? `<at id=${id}></at>` : mentionSource(platform, id)),
  item: (m) => `${m.indent}${m.marker} `,
  lineBreak: () => '\n',
};

/**
 * Our shared markdown subset (adapters/kit/markdown.ts) to Feishu card markdown
 * (open.feishu.cn "卡片 JSON 2.0 富文本"): `_italic_` → `*italic*`, and user mentions
 * `<@feishu:ou_x>` → `<at id=ou_x></at>` (Feishu shows the name). Mentions of other platforms stay text.
 */
export function toMarkdown(text: string): string {
  return renderMarkdown(text, larkMarkdown);
}

/** The card's notification summary: the fallback text as one plain line. */
function summarize(message: OutboundMessage): string {
  const oneLine = markdownToPlain(fallbackTextOf(message)).replace(/\s+/g, ' ').trim();
  return fitText(oneLine, SUMMARY_MAX);
}

/**
 * Adds `i18n_content` for both languages to every text of `primary`, taken from the same place in
 * `alternate`. Returns undefined when the two do not line up (the card is then sent in one language).
 */
function mergeI18n(primary: FeishuCard, alternate: FeishuCard, pKey: string, aKey: string): FeishuCard | undefined {
  let ok = true;
  const walk = (p: unknown, a: unknown): unknown => {
    if (!ok) return p;
    if (Array.isArray(p)) {
      if (!Array.isArray(a) || a.length !== p.length) {
        ok = false;
        return p;
      }
      return p.map((item, i) => walk(item, a[i]));
    }
    if (p && typeof p === 'object') {
      if (!a || typeof a !== 'object' || Array.isArray(a)) {
        ok = false;
        return p;
      }
      const po = p as Record<string, unknown>;
      const ao = a as Record<string, unknown>;
      if (po.tag !== ao.tag) {
        ok = false;
        return p;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(po)) {
        // Callback values and names must stay identical in both languages.
        out[k] = k === 'behaviors' || k === 'name' || k === 'value' ? v : walk(v, ao[k]);
      }
      if ((po.tag === 'markdown' || po.tag === 'plain_text') && typeof po.content === 'string' && typeof ao.content === 'string') {
        out.i18n_content = { [pKey]: po.content, [aKey]: ao.content };
      }
      return out;
    }
    return p;
  };
  const merged = walk(primary, alternate) as FeishuCard;
  if (!ok) return undefined;
  merged.config = { ...(merged.config as Record<string, unknown>), locales: [pKey, aKey] };
  return merged;
}

/**
 * Shrinks a card over Feishu's 30 KB limit: the longest markdown texts (and their translations)
 * are cut, with a visible ellipsis, until it fits, so a huge ticket timeline is shortened instead
 * of the message being refused.
 */
function fitToLimit(card: FeishuCard): FeishuCard {
  if (cardBytes(card) <= CARD_LIMIT_BYTES) return card;
  const copy = structuredClone(card);
  const texts: TextSlot[] = [];
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node && typeof node === 'object') {
      const el = node as Element;
      if (el.tag === 'markdown' && typeof el.content === 'string') {
        texts.push({ get: () => el.content as string, set: (v) => (el.content = v) });
        const i18n = el.i18n_content as Record<string, string> | undefined;
        for (const k of Object.keys(i18n ?? {})) texts.push({ get: () => i18n![k]!, set: (v) => (i18n![k] = v) });
      }
      Object.values(el).forEach(collect);
    }
  };
  collect(copy.body);
  shrinkLongest(() => texts, () => cardBytes(copy) - CARD_LIMIT_BYTES, { minBytes: MIN_TEXT_BYTES, ellipsis: '\n…' });
  return copy;
}
