import type { types } from '@slack/bolt';
import type { Reply } from '../../src/core/ports.js';
import type { Block, Button, Card, FormBlock, FormInput, Locale, OutboundMessage, Tone } from '../../src/core/types.js';
import { fallbackTextOf } from '../kit/fallback.js';
import { markdownToPlain } from '../kit/markdown.js';
import { splitMrkdwn, toMrkdwn, truncate } from './mrkdwn.js';
import { adapterText } from '../kit/strings.js';
import { clickable, showableImage } from '../kit/links.js';

/**
 * The pure Block Kit renderer: core cards → Slack blocks, messages and modal views.
 *
 * Slack rejects a whole message (`invalid_blocks`, `msg_too_long`) when one limit is broken, so
 * every limit below is enforced here: long text is split into several sections, and when a card
 * still needs more blocks than a surface allows, the least important content is cut and a note
 * with a link to the full text takes its place. Buttons and forms are never cut.
 */

type KnownBlock = types.KnownBlock;
type ActionsElement = types.ActionsBlockElement;
type InputElement = types.InputBlockElement;

/** Slack's published Block Kit limits (docs.slack.dev/reference/block-kit). */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  contextText: 3000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  buttonsPerActions: 25,
  actionId: 255,
  inputLabel: 2000,
  placeholder: 150,
  inputMaxLength: 3000,
  optionText: 75,
  optionValue: 150,
  optionsPerSelect: 100,
  altText: 2000,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  /** Notification text of a message with blocks; Slack truncates beyond 40,000, clients show far less. */
  fallbackText: 3000,
} as const;

/** `action_id` prefix of the submit button of a form rendered inside a message. */
export const FORM_SUBMIT_PREFIX = 'aftercare:form:';

const TONE_ICON: Record<Tone, string> = { info: 'ℹ️', success: '✅', warning: '⚠️', danger: '🚨', neutral: '' };

export interface RenderOptions {
  /** Messages allow 50 blocks; modals 100 and have their own submit button. Default `message`. */
  surface?: 'message' | 'modal';
  /** Language of the adapter's own note when content is cut. Default `en`. */
  locale?: Locale;
  /** Where the full text can be read when content is cut. */
  moreUrl?: string;
}

/** A message as `chat.postMessage`/`chat.update`/`response_url` take it: fallback text plus blocks. */
export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
}

/** The `action_id` a button was rendered with, back to the core's `actionId` (duplicates get `~n`). */
export function baseActionId(actionId: string): string {
  return actionId.replace(/~\d+$/, '');
}

function plainText(text: string, max: number): types.PlainTextElement {
  return { type: 'plain_text', text: truncate(markdownToPlain(text), max) || ' ', emoji: true };
}

function sections(markdown: string): KnownBlock[] {
  return splitMrkdwn(toMrkdwn(markdown), SLACK_LIMITS.sectionText)
    .filter((piece) => piece.trim() !== '')
    .map((piece) => ({ type: 'section', text: { type: 'mrkdwn', text: piece } }));
}

function buttons(list: Button[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  for (let start = 0; start < list.length; start += SLACK_LIMITS.buttonsPerActions) {
    const seen = new Map<string, number>();
    const elements: ActionsElement[] = list.slice(start, start + SLACK_LIMITS.buttonsPerActions).map((b) => {
      const n = seen.get(b.actionId) ?? 0;
      seen.set(b.actionId, n + 1);
      const suffix = n === 0 ? '' : `~${n}`;
      const el: types.Button = {
        type: 'button',
        action_id: b.actionId.slice(0, SLACK_LIMITS.actionId - suffix.length) + suffix,
        text: plainText(b.label, SLACK_LIMITS.buttonText),
      };
      if (b.value !== undefined) el.value = b.value.slice(0, SLACK_LIMITS.buttonValue);
      if (b.url !== undefined) el.url = b.url.slice(0, SLACK_LIMITS.url);
      if (b.style === 'primary' || b.style === 'danger') el.style = b.style;
      return el;
    });
    if (elements.length) blocks.push({ type: 'actions', elements });
  }
  return blocks;
}

function inputElement(input: FormInput): InputElement {
  const placeholder = input.placeholder ? plainText(input.placeholder, SLACK_LIMITS.placeholder) : undefined;
  const options = (input.options ?? []).slice(0, SLACK_LIMITS.optionsPerSelect).map((o) => ({
    text: plainText(o.label, SLACK_LIMITS.optionText),
    value: o.value.slice(0, SLACK_LIMITS.optionValue),
  }));
  if (input.kind === 'select' && options.length > 0) {
    const select: types.StaticSelect = { type: 'static_select', action_id: input.id, options };
    if (placeholder) select.placeholder = placeholder;
    const initial = options.find((o) => o.value === input.initial);
    if (initial) select.initial_option = initial;
    return select;
  }
  const text: types.PlainTextInput = { type: 'plain_text_input', action_id: input.id };
  if (input.kind === 'textarea') text.multiline = true;
  if (placeholder) text.placeholder = placeholder;
  if (input.initial) text.initial_value = input.initial;
  if (input.maxLength) text.max_length = Math.min(input.maxLength, SLACK_LIMITS.inputMaxLength);
  return text;
}

function form(block: FormBlock, surface: 'message' | 'modal'): KnownBlock[] {
  const inputs: KnownBlock[] = block.inputs.map((input) => ({
    type: 'input',
    block_id: input.id,
    label: plainText(input.label, SLACK_LIMITS.inputLabel),
    element: inputElement(input),
    optional: !input.required,
  }));
  if (surface === 'modal') return inputs;
  const submit: types.Button = {
    type: 'button',
    action_id: `${FORM_SUBMIT_PREFIX}${block.formId}`.slice(0, SLACK_LIMITS.actionId),
    text: plainText(block.submitLabel, SLACK_LIMITS.buttonText),
    value: block.formId,
    style: 'primary',
  };
  return [...inputs, { type: 'actions', elements: [submit] }];
}

/** Renders one card block; the unit the golden-file tests pin down. Exhaustive over `Block`. */
export function renderBlock(block: Block, surface: 'message' | 'modal' = 'message'): KnownBlock[] {
  switch (block.type) {
    case 'text':
      return sections(block.text);
    case 'fields': {
      const out: KnownBlock[] = [];
      for (let i = 0; i < block.fields.length; i += SLACK_LIMITS.fieldsPerSection) {
        const fields = block.fields.slice(i, i + SLACK_LIMITS.fieldsPerSection).map((f) => ({
          type: 'mrkdwn' as const,
          text: truncate(`*${toMrkdwn(markdownToPlain(f.label))}*\n${toMrkdwn(f.value)}`, SLACK_LIMITS.fieldText),
        }));
        out.push({ type: 'section', fields });
      }
      return out;
    }
    case 'context':
      return [{ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(toMrkdwn(block.text), SLACK_LIMITS.contextText) }] }];
    case 'divider':
      return [{ type: 'divider' }];
    case 'actions':
      return buttons(clickable(block.buttons));
    case 'form':
      return form(block, surface);
    case 'image':
      if (!showableImage(block.url) || block.url.length > SLACK_LIMITS.url) {
        return [{ type: 'context', elements: [{ type: 'plain_text', text: truncate(block.alt || block.url, SLACK_LIMITS.contextText) }] }];
      }
      return [{ type: 'image', image_url: block.url, alt_text: truncate(block.alt || ' ', SLACK_LIMITS.altText) }];
    default: {
      const never: never = block;
      throw new Error(`unknown card block ${JSON.stringify(never)}`);
    }
  }
}

function truncationNote(options: RenderOptions): KnownBlock {
  const locale = options.locale ?? 'en';
  const link = options.moreUrl ? ` <${options.moreUrl}|${adapterText('readMore', locale)}>` : '';
  return { type: 'context', elements: [{ type: 'mrkdwn', text: `_${adapterText('truncated', locale)}_${link}` }] };
}

/** Renders a card within the surface's block limit (see the module comment for what is cut). */
export function renderCard(card: Card, options: RenderOptions = {}): KnownBlock[] {
  const surface = options.surface ?? 'message';
  const limit = surface === 'modal' ? SLACK_LIMITS.modalBlocks : SLACK_LIMITS.messageBlocks;
  const groups: Array<{ blocks: KnownBlock[]; keep: boolean }> = [];
  if (card.title) {
    const icon = TONE_ICON[card.tone ?? 'neutral'];
    groups.push({ blocks: [{ type: 'header', text: plainText(icon ? `${icon} ${card.title}` : card.title, SLACK_LIMITS.headerText) }], keep: true });
  }
  for (const block of card.blocks) {
    groups.push({ blocks: renderBlock(block, surface), keep: block.type === 'actions' || block.type === 'form' });
  }
  const total = groups.reduce((n, g) => n + g.blocks.length, 0);
  if (total <= limit) return groups.flatMap((g) => g.blocks);

  const kept = groups.filter((g) => g.keep).reduce((n, g) => n + g.blocks.length, 0);
  let budget = limit - 1 - kept;
  if (budget < 0) return [...groups.flatMap((g) => g.blocks).slice(0, limit - 1), truncationNote(options)];
  const out: KnownBlock[] = [];
  let noted = false;
  for (const g of groups) {
    if (g.keep) {
      out.push(...g.blocks);
      continue;
    }
    const take = Math.min(budget, g.blocks.length);
    out.push(...g.blocks.slice(0, take));
    budget -= take;
    if (take < g.blocks.length && !noted) {
      out.push(truncationNote(options));
      noted = true;
    }
  }
  return out;
}

/** Fallback/notification text: always present, never empty, within Slack's practical limit. */
export function fallbackText(text: string): string {
  return truncate(toMrkdwn(text), SLACK_LIMITS.fallbackText) || ' ';
}

/**
 * An outbound message as Slack takes it. Without a card, short text goes as plain `text`; text
 * longer than one section is turned into sections so Slack never cuts it silently.
 */
export function renderMessage(message: OutboundMessage, options: RenderOptions = {}): SlackMessage {
  const text = fallbackText(fallbackTextOf(message));
  if (message.card) return { text, blocks: renderCard(message.card, options) };
  if (toMrkdwn(message.text).length > SLACK_LIMITS.sectionText) {
    return { text, blocks: renderCard({ blocks: [{ type: 'text', text: message.text }] }, options) };
  }
  return { text };
}

/** Conversation details a modal carries in `private_metadata`, so its submission can be answered. */
export interface ModalOrigin {
  team: string;
  channel: string;
  direct?: boolean;
  thread?: string;
}

/** Encodes a ModalOrigin for `private_metadata` (short keys: the field holds 3,000 characters). */
export function encodeOrigin(origin: ModalOrigin): string {
  const meta = JSON.stringify({ t: origin.team, c: origin.channel, d: origin.direct ? 1 : undefined, th: origin.thread });
  return meta.length <= SLACK_LIMITS.privateMetadata ? meta : '';
}

/** Decodes `private_metadata`; `undefined` for anything that is not ours. */
export function decodeOrigin(meta: string | undefined): ModalOrigin | undefined {
  if (!meta) return undefined;
  try {
    const v = JSON.parse(meta) as { t?: unknown; c?: unknown; d?: unknown; th?: unknown };
    if (typeof v.t !== 'string' || typeof v.c !== 'string') return undefined;
    return { team: v.t, channel: v.c, direct: v.d === 1, thread: typeof v.th === 'string' ? v.th : undefined };
  } catch {
    return undefined;
  }
}

/** A form the core wants opened at once, as a modal for `views.open`. `callback_id` is the formId. */
export function renderModal(openForm: NonNullable<Reply['openForm']>, origin: ModalOrigin, options: RenderOptions = {}): types.ModalView {
  const locale = options.locale ?? 'en';
  const formBlock = openForm.card.blocks.find((b): b is FormBlock => b.type === 'form');
  return {
    type: 'modal',
    callback_id: formBlock?.formId ?? 'form',
    title: plainText(openForm.title || adapterText('formTitle', locale), SLACK_LIMITS.modalTitle),
    submit: plainText(openForm.submitLabel || formBlock?.submitLabel || 'OK', SLACK_LIMITS.modalButton),
    close: plainText(adapterText('cancel', locale), SLACK_LIMITS.modalButton),
    private_metadata: encodeOrigin(origin),
    blocks: renderCard({ ...openForm.card, title: undefined }, { ...options, surface: 'modal' }),
  };
}
