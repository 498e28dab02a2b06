import { z } from 'zod';
import type { ActionEvent, Actor, CommandEvent, ConversationRef, SubmitEvent } from '../../src/core/types.js';

/**
 * Pure mapping from Feishu v2 event payloads (as the SDK's EventDispatcher hands them over:
 * header and event fields flattened into one object) to aftercare's InboundEvents. Shapes are
 * checked with zod; anything we do not handle maps to `undefined` and is acknowledged silently.
 */

/** What the mapping needs to know about the deployment. */
export interface InboundOptions {
  /** The bot's own open_id (from `bot/v3/info`); without it any @mention in a group counts as addressing the bot. */
  botOpenId?: string;
  /** `zh-CN` on Feishu, `en` on Lark: the actor's platform locale (settings still win in the core). */
  locale: string;
  now: () => number;
}

/** What travels in `ConversationRef.native` for Feishu: how to address a proactive post. */
export interface FeishuNative {
  receiveIdType: 'chat_id' | 'open_id';
  chatType?: string;
}

const userId = z.object({ open_id: z.string().min(1), union_id: z.string().optional(), user_id: z.string().nullish() });

const messageEvent = z.object({
  event_id: z.string().min(1),
  tenant_key: z.string().optional(),
  sender: z.object({ sender_id: userId, sender_type: z.string().optional(), tenant_key: z.string().optional() }),
  message: z.object({
    message_id: z.string(),
    chat_id: z.string().min(1),
    chat_type: z.string(),
    message_type: z.string(),
    content: z.string(),
    thread_id: z.string().optional(),
    root_id: z.string().optional(),
    mentions: z
      .array(z.object({ key: z.string(), id: userId.partial(), name: z.string().optional() }))
      .optional(),
  }),
});

const cardEvent = z.object({
  event_id: z.string().optional(),
  tenant_key: z.string().optional(),
  operator: z.object({ open_id: z.string().min(1), tenant_key: z.string().optional() }),
  token: z.string().optional(),
  action: z.object({
    value: z.unknown().optional(),
    tag: z.string().optional(),
    name: z.string().optional(),
    form_value: z.record(z.string(), z.unknown()).optional(),
  }),
  context: z.object({ open_message_id: z.string().optional(), open_chat_id: z.string().optional() }).optional(),
});

const menuEvent = z.object({
  event_id: z.string().min(1),
  tenant_key: z.string().optional(),
  operator: z.object({ operator_id: userId, operator_name: z.string().optional() }),
  event_key: z.string().min(1),
});

/** Our own callback values, as render.ts writes them. */
const buttonValue = z.object({ a: z.string().min(1), v: z.string().optional() });
const submitValue = z.object({ f: z.string().min(1) });

/** `im.message.receive_v1` → a command, when it is text in a direct chat or addresses the bot in a group. */
export function mapMessageEvent(data: unknown, options: InboundOptions): CommandEvent | undefined {
  const parsed = messageEvent.safeParse(data);
  if (!parsed.success) return undefined;
  const { sender, message } = parsed.data;
  // The bot's own messages (and other apps'): never commands.
  if (sender.sender_type && sender.sender_type !== 'user') return undefined;
  if (options.botOpenId && sender.sender_id.open_id === options.botOpenId) return undefined;
  const attachments = FILE_TYPES.has(message.message_type)
    ? [{ type: message.message_type, ...fileName(message.content) }]
    : message.message_type === 'post' && /"tag"\s*:\s*"(img|media)"/.test(message.content)
      ? [{ type: 'image' }]
      : [];
  const raw = FILE_TYPES.has(message.message_type) ? '' : messageText(message.message_type, message.content);
  if (raw === undefined) return undefined;
  const mentions = message.mentions ?? [];
  const direct = message.chat_type === 'p2p';
  const isBot = (m: (typeof mentions)[number]) => (options.botOpenId ? m.id.open_id === options.botOpenId : true);
  if (!direct && !mentions.some(isBot)) return undefined;

  // Longest keys first: `@_user_10` must not be cut by `@_user_1`.
  let text = raw;
  let botStripped = false;
  for (const m of [...mentions].sort((x, y) => y.key.length - x.key.length)) {
    const stripBot = options.botOpenId ? m.id.open_id === options.botOpenId : !botStripped && text.trimStart().startsWith(m.key);
    if (stripBot) {
      text = text.split(m.key).join(' ');
      botStripped = true;
    } else if (m.id.open_id) {
      text = text.split(m.key).join(`<@feishu:${m.id.open_id}>`);
    }
  }
  // A picture or file with no words (beyond the bot's mention): the core answers with a hint.
  const { command, rest } = attachments.length && !text.trim() ? { command: '', rest: '' } : splitCommand(text);
  const tenantId = parsed.data.tenant_key ?? sender.tenant_key ?? 'default';
  return {
    kind: 'command',
    id: parsed.data.event_id,
    command,
    text: rest,
    actor: actor(sender.sender_id.open_id, options.locale),
    conversation: {
      platform: 'feishu',
      tenantId,
      channelId: message.chat_id,
      direct,
      // Inside a topic (话题) or a reply thread: answers reply to this message in its thread, since
      // a top-level message in a topic group opens a new topic (Tencent/WeKnora#1889).
      ...(message.thread_id || message.root_id ? { replyTo: message.message_id } : {}),
      native: { receiveIdType: 'chat_id', chatType: message.chat_type } satisfies FeishuNative,
    },
    ...(attachments.length ? { attachments } : {}),
    receivedAt: options.now(),
    raw: data,
  };
}

/** Message types that are a file or picture the user sent (answered, never dropped). */
const FILE_TYPES = new Set(['image', 'file', 'media', 'audio', 'sticker']);

/**
 * `application.bot.menu_v6` (a click on the bot's menu, configured from scripts/feishu-menu.ts with
 * `event_key` = command name) → that command with no arguments, answered to the user directly.
 */
export function mapMenuEvent(data: unknown, options: InboundOptions): CommandEvent | undefined {
  const parsed = menuEvent.safeParse(data);
  if (!parsed.success) return undefined;
  const openId = parsed.data.operator.operator_id.open_id;
  const [command = 'aftercare', ...rest] = parsed.data.event_key.split(/\s+/);
  return {
    kind: 'command',
    id: parsed.data.event_id,
    command,
    // `aftercare` alone asks which sub-command; from the menu it means help.
    text: rest.join(' ') || (command === 'aftercare' ? 'help' : ''),
    actor: { ...actor(openId, options.locale), displayName: parsed.data.operator.operator_name },
    conversation: {
      platform: 'feishu',
      tenantId: parsed.data.tenant_key ?? 'default',
      channelId: openId,
      direct: true,
      native: { receiveIdType: 'open_id' } satisfies FeishuNative,
    },
    receivedAt: options.now(),
    raw: data,
  };
}

/**
 * `card.action.trigger` → a button click or a form submit. `known` is the remembered conversation
 * for the card's chat (callbacks do not say whether the chat is direct).
 */
export function mapCardAction(
  data: unknown,
  options: InboundOptions & { known?: ConversationRef },
): ActionEvent | SubmitEvent | undefined {
  const parsed = cardEvent.safeParse(data);
  if (!parsed.success) return undefined;
  const { operator, action, context } = parsed.data;
  const chatId = context?.open_chat_id;
  if (!chatId) return undefined;
  const id = parsed.data.event_id ?? parsed.data.token;
  if (!id) return undefined;
  const tenantId = parsed.data.tenant_key ?? operator.tenant_key ?? 'default';
  const conversation: ConversationRef = options.known ?? {
    platform: 'feishu',
    tenantId,
    channelId: chatId,
    native: { receiveIdType: 'chat_id' } satisfies FeishuNative,
  };
  const base = {
    id,
    actor: actor(operator.open_id, options.locale),
    conversation,
    receivedAt: options.now(),
    messageId: context?.open_message_id,
    raw: data,
  };
  const submit = submitValue.safeParse(action.value);
  if (submit.success || action.form_value) {
    const formId = submit.success ? submit.data.f : undefined;
    if (!formId) return undefined;
    return { ...base, kind: 'submit', formId, values: formValues(action.form_value ?? {}) };
  }
  const button = buttonValue.safeParse(action.value);
  if (!button.success) return undefined;
  return { ...base, kind: 'action', actionId: button.data.a, value: button.data.v };
}

/**
 * A link in a rich-text post: its words, and its target when the words are not the target
 * itself (a link typed as a URL keeps it once; one written as words keeps both).
 */
function linkText(el: Record<string, unknown>): string {
  const label = String(el.text ?? '');
  const href = typeof el.href === 'string' ? el.href : '';
  if (!href || label === href || label === href.replace(/^[a-z]+:\/\//i, '')) return label || href;
  return label ? `${label} (${href})` : href;
}

/** Text of a `text` or `post` (rich text) message; undefined for other kinds. */
// Built once: a zod schema compiles its parser when first used, which costs more than a parse.
const textContent = z.object({ text: z.string() });
/** `{title, content: [[{tag:'text',text}|{tag:'at',user_id}|…]]}`, possibly under a locale key. */
const postContent = z.object({ title: z.string().optional(), content: z.array(z.array(z.record(z.string(), z.unknown()))) });

export function messageText(type: string, content: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return undefined;
  }
  if (type === 'text') {
    const t = textContent.safeParse(json);
    return t.success ? t.data.text : undefined;
  }
  if (type === 'post') {
    const post = postContent;
    const direct = post.safeParse(json);
    const body = direct.success
      ? direct.data
      : Object.values((json ?? {}) as Record<string, unknown>).map((v) => post.safeParse(v)).find((r) => r.success)?.data;
    if (!body) return undefined;
    return body.content
      .map((line) =>
        line
          .map((el) => (el.tag === 'text' ? String(el.text ?? '') : el.tag === 'a' ? linkText(el) : el.tag === 'at' ? String(el.user_id ?? '') : ''))
          .join(''),
      )
      .join('\n');
  }
  return undefined;
}

/**
 * `/issue Login fails` or `issue Login fails` → command `issue`, text `Login fails`. An empty text
 * (the user only mentioned the bot) asks for help.
 */
export function splitCommand(text: string): { command: string; rest: string } {
  const trimmed = text.replace(/\u00a0/g, ' ').trim().replace(/^[/／]/, '');
  if (!trimmed) return { command: 'aftercare', rest: 'help' };
  const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed)!;
  return { command: m[1]!.toLowerCase(), rest: m[2]!.trim() };
}

/** The file name a `file` message carries (`{"file_key":…,"file_name":…}`). */
function fileName(content: string): { name?: string } {
  try {
    const name = (JSON.parse(content) as { file_name?: unknown }).file_name;
    return typeof name === 'string' ? { name } : {};
  } catch {
    return {};
  }
}

/** Form values as strings: multi-selects joined with commas, pickers as sent. */
function formValues(form: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) {
    if (v === null || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}

function actor(openId: string, locale: string): Actor {
  return { platform: 'feishu', id: openId, locale };
}
