import type { Block, Button, Card, FormBlock, OutboundMessage, Tone } from '../../src/core/types.js';
import { fallbackTextOf } from '../kit/fallback.js';
import { fitText, shrinkLongest, type TextSlot } from '../kit/fit-text.js';
import { mentionSource, renderMarkdown, type MarkdownEmitter } from '../kit/markdown.js';
import { clickable, showableImage } from '../kit/links.js';

/**
 * Pure renderer: the core's Card model → an Adaptive Card 1.5 as Teams shows it, and an
 * OutboundMessage → the Bot Framework message activity fields (text, summary, attachments).
 *
 * Decisions:
 * - Buttons and form submits are `Action.Execute` (Universal Actions: Teams sends an
 *   `adaptiveCard/action` invoke the bot answers synchronously with the updated card), each with an
 *   `Action.Submit` fallback for clients without Universal Actions (arrives as a message with `value`).
 * - Every callback carries `data.aftercare = { actionId, value }` or `{ formId }`; input ids are the
 *   form's own ids, so the submitted values arrive beside that key.
 * - A card message carries no `text` (Teams would show it above the card, doubling it): the fallback
 *   text goes to the card's `fallbackText` and the activity `summary` (notifications, old clients).
 * - Teams refuses messages over ~28 KB; `toTeamsActivity` keeps the serialized message under
 *   `MAX_MESSAGE_BYTES` by shortening the longest texts first, then dropping trailing blocks.
 */

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
/** Budget for text + attachments; the envelope (ids, serviceUrl, channelData) stays well under 2 KB of Teams' 28 KB. */
export const MAX_MESSAGE_BYTES = 26_000;

/** An Adaptive Card element or action: plain JSON. */
export type AdaptiveElement = { type: string; [key: string]: unknown };

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.5';
  body: AdaptiveElement[];
  fallbackText: string;
  msteams: { width: 'Full' };
}

/** What the card callbacks carry under `data.aftercare`. */
export interface CallbackData {
  actionId?: string;
  value?: string;
  formId?: string;
}

/** The message fields of an outgoing activity (the SDK fills conversation, from, recipient). */
export interface TeamsMessage {
  type: 'message';
  text?: string;
  textFormat?: 'markdown';
  summary?: string;
  attachments?: Array<{ contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; content: AdaptiveCard }>;
}

const TONE_STYLE: Record<Tone, string> = {
  info: 'accent',
  success: 'good',
  warning: 'warning',
  danger: 'attention',
  neutral: 'emphasis',
};

const cardMarkdown: MarkdownEmitter = {
  text: (text) => text,
  bold: (inner) => `**${inner}**`,
  italic: (inner) => `_${inner}_`,
  code: (text) => text,
  codeBlock: (text) => text.split('\n').join('\n\n'),
  link: (label, url) => `[${label}](${url})`,
  mention: mentionSource,
  item: (m) => `${m.marker} `,
  lineBreak: (around) => (around.afterItem && around.beforeItem ? '\r' : '\n\n'),
  finish: (out) => out.replace(/\n{3,}/g, '\n\n').trim(),
};

/**
 * The shared markdown subset (adapters/kit/markdown.ts) → Adaptive Card markdown: bold, italic
 * and links are the same; code has no Adaptive Card form (backticks are dropped); list items are
 * joined with `\r` and other line breaks become paragraph breaks (`\n\n`), as Teams requires
 * (learn.microsoft.com "Text formatting in cards").
 */
export function toCardMarkdown(text: string): string {
  return renderMarkdown(text, cardMarkdown);
}

function actionFor(button: Button, associatedInputs: 'none' | 'auto'): AdaptiveElement {
  if (button.url) return { type: 'Action.OpenUrl', title: button.label, url: button.url };
  const data = { aftercare: { actionId: button.actionId, ...(button.value !== undefined ? { value: button.value } : {}) } };
  const style = button.style === 'primary' ? 'positive' : button.style === 'danger' ? 'destructive' : undefined;
  return {
    type: 'Action.Execute',
    title: button.label,
    verb: button.actionId,
    data,
    associatedInputs,
    ...(style ? { style } : {}),
    fallback: { type: 'Action.Submit', title: button.label, data, associatedInputs, ...(style ? { style } : {}) },
  };
}

function formElements(form: FormBlock): AdaptiveElement[] {
  const inputs = form.inputs.map((input): AdaptiveElement => {
    const common = {
      id: input.id,
      label: input.label,
      ...(input.required ? { isRequired: true } : {}),
    };
    if (input.kind === 'select') {
      return {
        type: 'Input.ChoiceSet',
        ...common,
        style: 'compact',
        choices: (input.options ?? []).map((o) => ({ title: o.label, value: o.value })),
        ...(input.initial !== undefined ? { value: input.initial } : {}),
        ...(input.placeholder ? { placeholder: input.placeholder } : {}),
      };
    }
    return {
      type: 'Input.Text',
      ...common,
      ...(input.kind === 'textarea' ? { isMultiline: true } : {}),
      ...(input.placeholder ? { placeholder: input.placeholder } : {}),
      ...(input.initial !== undefined ? { value: input.initial } : {}),
      ...(input.maxLength ? { maxLength: input.maxLength } : {}),
    };
  });
  const data = { aftercare: { formId: form.formId } };
  const submit: AdaptiveElement = {
    type: 'Action.Execute',
    title: form.submitLabel,
    verb: form.formId,
    data,
    associatedInputs: 'auto',
    style: 'positive',
    fallback: { type: 'Action.Submit', title: form.submitLabel, data, associatedInputs: 'auto', style: 'positive' },
  };
  return [...inputs, { type: 'ActionSet', actions: [submit] }];
}

function blockElements(block: Block): AdaptiveElement[] {
  switch (block.type) {
    case 'text':
      return [{ type: 'TextBlock', text: toCardMarkdown(block.text), wrap: true }];
    case 'fields':
      return [{ type: 'FactSet', facts: block.fields.map((f) => ({ title: f.label, value: toCardMarkdown(f.value) })) }];
    case 'context':
      return [{ type: 'TextBlock', text: toCardMarkdown(block.text), wrap: true, isSubtle: true, size: 'Small' }];
    case 'divider':
      return [];
    case 'actions':
      return [{ type: 'ActionSet', actions: clickable(block.buttons).map((b) => actionFor(b, 'none')) }];
    case 'form':
      return formElements(block);
    case 'image':
      return showableImage(block.url) ? [{ type: 'Image', url: block.url, altText: block.alt }] : [{ type: 'TextBlock', text: block.alt, wrap: true }];
    default: {
      const never: never = block;
      throw new Error(`Unknown block ${JSON.stringify(never)}`);
    }
  }
}

/** Renders a card; `fallbackText` is shown by clients that cannot render it. */
export function toAdaptiveCard(card: Card, fallbackText: string): AdaptiveCard {
  const body: AdaptiveElement[] = [];
  if (card.title) {
    body.push({
      type: 'Container',
      style: TONE_STYLE[card.tone ?? 'neutral'],
      bleed: true,
      items: [{ type: 'TextBlock', text: card.title, wrap: true, weight: 'Bolder', size: 'Medium', style: 'heading' }],
    });
  }
  let separateNext = false;
  for (const block of card.blocks) {
    if (block.type === 'divider') {
      separateNext = true;
      continue;
    }
    const elements = blockElements(block);
    if (separateNext && elements[0]) {
      elements[0] = { ...elements[0], separator: true, spacing: 'Medium' };
      separateNext = false;
    }
    body.push(...elements);
  }
  return { type: 'AdaptiveCard', $schema: ADAPTIVE_CARD_SCHEMA, version: '1.5', body, fallbackText, msteams: { width: 'Full' } };
}

/** Renders a message: a card message (summary + card) or a plain markdown text message, under the size limit. */
export function toTeamsActivity(message: OutboundMessage, maxBytes = MAX_MESSAGE_BYTES): TeamsMessage {
  if (!message.card) return fitPlain({ type: 'message', text: message.text, textFormat: 'markdown' }, maxBytes);
  const fallback = fallbackTextOf(message);
  const card = toAdaptiveCard(message.card, fallback);
  return fitCard(
    { type: 'message', summary: fallback, attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card }] },
    maxBytes,
  );
}

/** The card of a rendered message, for an invoke response. */
export function cardOf(message: TeamsMessage): AdaptiveCard | undefined {
  return message.attachments?.[0]?.content;
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
/** Texts shorter than this are left whole; past that, trailing content is dropped instead. */
const MIN_SLOT_BYTES = 80;

function fitPlain(message: TeamsMessage, maxBytes: number): TeamsMessage {
  const over = bytes(message) - maxBytes;
  if (over <= 0 || !message.text) return message;
  return { ...message, text: fitText(message.text, Buffer.byteLength(message.text) - over - 64, { unit: 'bytes' }) };
}

/** Every shortenable string in the card, read through accessors so they can be cut in place. */
function slots(message: TeamsMessage): TextSlot[] {
  const out: TextSlot[] = [];
  const card = cardOf(message)!;
  const prop = (obj: Record<string, unknown>, key: string) => {
    if (typeof obj[key] === 'string') out.push({ get: () => obj[key] as string, set: (v) => (obj[key] = v) });
  };
  prop(message as unknown as Record<string, unknown>, 'summary');
  prop(card as unknown as Record<string, unknown>, 'fallbackText');
  const walk = (elements: AdaptiveElement[]) => {
    for (const el of elements) {
      if (el.type === 'TextBlock') prop(el, 'text');
      if (el.type === 'FactSet') for (const f of el.facts as Array<Record<string, unknown>>) prop(f, 'value');
      if (el.type === 'Input.Text') prop(el, 'value');
      if (Array.isArray(el.items)) walk(el.items as AdaptiveElement[]);
    }
  };
  walk(card.body);
  return out;
}

/** Shortens the longest texts first; when they are all short, drops trailing content, keeping buttons and forms. */
function fitCard(message: TeamsMessage, maxBytes: number): TeamsMessage {
  if (bytes(message) <= maxBytes) return message;
  const copy = structuredClone(message);
  const card = cardOf(copy)!;
  const excess = () => bytes(copy) - maxBytes;
  for (let guard = 0; guard < 1000; guard++) {
    if (shrinkLongest(() => slots(copy), excess, { minBytes: MIN_SLOT_BYTES }) <= 0) break;
    const index = card.body.findLastIndex((el) => el.type !== 'ActionSet' && !el.type.startsWith('Input.'));
    if (index <= 0) break;
    card.body.splice(index, 1);
  }
  return copy;
}
