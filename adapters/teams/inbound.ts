import { z } from 'zod';
import type { Actor, ConversationRef, InboundEvent } from '../../src/core/types.js';
import { digestId } from '../kit/delivery-id.js';

/**
 * Pure mapping of Bot Framework activities (as Teams sends them) to the core's InboundEvent and
 * ConversationRef. No SDK types on purpose: the HTTP layer validates the body with `activitySchema`
 * before anything reaches the SDK (a malformed activity otherwise makes the adapter answer 500).
 */

const account = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  aadObjectId: z.string().optional(),
  role: z.string().optional(),
});

const mention = z.looseObject({
  type: z.literal('mention'),
  text: z.string().optional(),
  mentioned: account,
});

/** The fields of an activity this adapter relies on; anything else passes through untouched. */
export const activitySchema = z.looseObject({
  type: z.string().min(1),
  id: z.string().min(1).optional(),
  serviceUrl: z.string().url(),
  channelId: z.string().min(1),
  from: account,
  recipient: account,
  conversation: z.looseObject({
    id: z.string().min(1),
    conversationType: z.string().optional(),
    tenantId: z.string().optional(),
    isGroup: z.boolean().optional(),
    name: z.string().optional(),
  }),
  name: z.string().optional(),
  text: z.string().optional(),
  value: z.unknown().optional(),
  locale: z.string().optional(),
  replyToId: z.string().optional(),
  entities: z.array(z.looseObject({ type: z.string() })).optional(),
  textFormat: z.string().optional(),
  attachments: z.array(z.looseObject({ contentType: z.string().optional(), contentUrl: z.string().optional(), name: z.string().optional(), content: z.unknown().optional() })).optional(),
  membersAdded: z.array(account).optional(),
  channelData: z
    .looseObject({
      tenant: z.looseObject({ id: z.string() }).optional(),
      eventType: z.string().optional(),
      channel: z.looseObject({ id: z.string(), name: z.string().optional() }).optional(),
      team: z.looseObject({ id: z.string() }).optional(),
    })
    .optional(),
});

export type TeamsActivity = z.infer<typeof activitySchema>;

/**
 * What proactive sends need (a Bot Framework ConversationReference without `activityId`).
 * Stored in `ConversationRef.native`; JSON-serializable.
 */
export interface StoredReference {
  serviceUrl: string;
  channelId: string;
  bot: { id: string; name?: string };
  conversation: { id: string; conversationType?: string; tenantId?: string; isGroup?: boolean };
  locale?: string;
}

const THREAD = /;messageid=(\d+)$/;

/** `19:x@thread.tacv2;messageid=123` → channel `19:x@thread.tacv2`, thread `123`. */
export function splitConversationId(id: string): { channelId: string; threadId?: string } {
  const m = THREAD.exec(id);
  return m ? { channelId: id.slice(0, m.index), threadId: m[1] } : { channelId: id };
}

/**
 * The Teams conversation id a ConversationRef points at: a channel thread (`threadId`, or the
 * thread a request came from, `replyTo`) keeps its `;messageid=`.
 */
export function targetConversationId(ref: Pick<ConversationRef, 'channelId' | 'threadId' | 'replyTo'>): string {
  const thread = ref.threadId ?? ref.replyTo;
  return thread ? `${ref.channelId};messageid=${thread}` : ref.channelId;
}

export function tenantOf(activity: TeamsActivity): string {
  return activity.conversation.tenantId ?? activity.channelData?.tenant?.id ?? 'default';
}

/**
 * The conversation an activity came from, with its stored reference for proactive posts.
 * A channel is one conversation: Teams gives every root post its own `;messageid=` thread, so
 * keying by thread would scatter a channel's organisation binding and subscriptions over posts.
 * Replies within a turn still land in the thread (they answer the activity); pushes are new posts.
 */
export function conversationRefOf(activity: TeamsActivity, conversationId = activity.conversation.id): ConversationRef {
  const { channelId } = splitConversationId(conversationId);
  const tenantId = tenantOf(activity);
  const same = conversationId === activity.conversation.id;
  const conversationType = same ? activity.conversation.conversationType : 'channel';
  const native: StoredReference = {
    serviceUrl: activity.serviceUrl,
    channelId: activity.channelId,
    bot: { id: activity.recipient.id, ...(activity.recipient.name ? { name: activity.recipient.name } : {}) },
    conversation: {
      id: channelId,
      ...(conversationType ? { conversationType } : {}),
      tenantId,
      ...(same && activity.conversation.isGroup !== undefined ? { isGroup: activity.conversation.isGroup } : {}),
    },
    ...(activity.locale ? { locale: activity.locale } : {}),
  };
  return {
    platform: 'teams',
    tenantId,
    channelId,
    ...(conversationType === 'personal' ? { direct: true } : {}),
    native,
  };
}

export function actorOf(activity: TeamsActivity): Actor {
  const aad = activity.from.aadObjectId;
  return {
    platform: 'teams',
    id: aad ?? activity.from.id,
    ...(aad && aad !== activity.from.id ? { aliases: [activity.from.id] } : {}),
    ...(activity.from.name ? { displayName: activity.from.name } : {}),
    ...(activity.locale ? { locale: activity.locale } : {}),
  };
}

/** A delivery id stable across Teams' redeliveries; activity ids are only unique within a conversation. */
export function deliveryId(activity: TeamsActivity, suffix = ''): string {
  const base = `${activity.conversation.id}\n${activity.id ?? ''}\n${activity.type}${suffix}`;
  return 'teams:' + digestId(base);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (whole, name: string) => {
    const known = ENTITIES[name.toLowerCase()];
    if (known !== undefined) return known;
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return whole;
  });
}

/**
 * The markup the Teams clients wrap typed text in (HTML formatting, `<at>` mentions, emoji and
 * system spans, inline images). Only these are stripped: anything else in angle brackets is what
 * the user typed — `<billing@example.com>`, `<550 5.1.1>` — and Teams delivers it as is in a
 * plain-text message (MicrosoftDocs/OfficeDocs-SkypeForBusiness#4723, BotFramework-Services#181).
 */
const CLIENT_TAG = /<\/?(?:at|p|div|span|br|b|i|u|s|em|strong|strike|del|ins|code|pre|blockquote|ul|ol|li|h[1-6]|font|table|thead|tbody|tr|td|th|img|a|emoji|systemspan|readonly|attachment)(?:\s[^<>]*)?\/?>/gi;

/**
 * The command text of a message: the bot's `<at>` mention removed, other users' mentions written
 * `<@teams:<aadObjectId>>` (or `<@teams:29:…>` when the entity has no aadObjectId; the handler
 * resolves those), the client's HTML tags stripped and entities decoded; everything else typed
 * kept, angle brackets included.
 */
export function commandText(activity: TeamsActivity): string {
  let text = (activity.text ?? '').replace(/\uE000/g, '');
  const users: string[] = [];
  for (const raw of activity.entities ?? []) {
    const parsed = mention.safeParse(raw);
    if (!parsed.success || !parsed.data.text) continue;
    const m = parsed.data;
    const isBot = m.mentioned.id === activity.recipient.id;
    // Placeholders survive the tag stripping below; user mentions are put back afterwards.
    const replacement = isBot ? ' ' : ` \uE000${users.push(`<@teams:${m.mentioned.aadObjectId ?? m.mentioned.id}>`) - 1}\uE000 `;
    text = text.split(m.text!).join(replacement);
  }
  text = text.replace(/^\s*<at>[^<]*<\/at>/i, ' '); // a leading bot mention without its entity
  text = text.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div)>/gi, '\n').replace(CLIENT_TAG, '');
  return decodeEntities(text)
    .replace(/\uE000(\d+)\uE000/g, (_, i: string) => users[Number(i)] ?? '')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .trim();
}

/**
 * Files and images sent with a message (a pasted screenshot, an attached file); the `text/html`
 * copy of the message itself is not one, unless it carries an inline image.
 */
export function attachmentsOf(activity: TeamsActivity): Array<{ name?: string; type?: string }> {
  return (activity.attachments ?? [])
    .filter((a) => (a.contentType === 'text/html' ? /<img\b/i.test(typeof a.content === 'string' ? a.content : '') : a.contentType !== undefined && !a.contentType.startsWith('application/vnd.microsoft.card')))
    .map((a) => ({ ...(a.name ? { name: a.name } : {}), ...(a.contentType ? { type: a.contentType } : {}) }));
}

/** Teams user ids (`29:…`) mentioned in command text without an aadObjectId, to resolve before the command runs. */
export function unresolvedMentions(text: string): string[] {
  return [...new Set([...text.matchAll(/<@teams:(29:[^>|\s]+)>/g)].map((m) => m[1]!))];
}

/**
 * The pairs this activity shows of a person's two Teams ids (`29:…` and aadObjectId): its sender,
 * and each mention entity that carries both.
 */
export function idPairsOf(activity: TeamsActivity): Array<{ id: string; aadObjectId: string }> {
  const pairs: Array<{ id: string; aadObjectId: string }> = [];
  const add = (a: { id: string; aadObjectId?: string | undefined }) => {
    if (a.aadObjectId && a.aadObjectId !== a.id) pairs.push({ id: a.id, aadObjectId: a.aadObjectId });
  };
  add(activity.from);
  for (const raw of activity.entities ?? []) {
    const parsed = mention.safeParse(raw);
    if (parsed.success) add(parsed.data.mentioned);
  }
  return pairs;
}

/** `/issue Login fails` → `{ command: 'issue', text: 'Login fails' }`; empty text asks for help. */
export function parseCommand(text: string): { command: string; text: string } {
  const trimmed = text.replace(/^\//, '').trim();
  if (!trimmed) return { command: 'aftercare', text: 'help' };
  const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed)!;
  return { command: m[1]!.replace(/^\//, '').toLowerCase(), text: m[2]!.trim() };
}

const callbackMeta = z.looseObject({
  actionId: z.string().min(1).optional(),
  value: z.string().optional(),
  formId: z.string().min(1).optional(),
});

function formValues(data: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (k === 'aftercare' || k === 'msteams') continue;
    if (typeof v === 'string') values[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') values[k] = String(v);
  }
  return values;
}

type CallbackEvent =
  | { kind: 'action'; actionId: string; value?: string }
  | { kind: 'submit'; formId: string; values: Record<string, string> };

/** Card callback data (`data.aftercare` + input values) → an action or a submit; `verb` is the Action.Execute verb. */
export function callbackOf(data: unknown, verb?: string): CallbackEvent | undefined {
  const record = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  const meta = callbackMeta.safeParse(record.aftercare);
  if (meta.success && meta.data.formId) return { kind: 'submit', formId: meta.data.formId, values: formValues(record) };
  if (meta.success && meta.data.actionId) {
    return { kind: 'action', actionId: meta.data.actionId, ...(meta.data.value !== undefined ? { value: meta.data.value } : {}) };
  }
  if (verb) return { kind: 'action', actionId: verb };
  return undefined;
}

const executeValue = z.looseObject({
  action: z.looseObject({ type: z.string(), verb: z.string().optional(), data: z.unknown().optional() }),
});

/** True for the Universal Actions invoke a card button or form sends. */
export function isCardInvoke(activity: TeamsActivity): boolean {
  return activity.type === 'invoke' && activity.name === 'adaptiveCard/action';
}

/**
 * Maps a message or a card invoke to an InboundEvent; `undefined` when there is nothing to run
 * (the bot's own message, an unrelated invoke, a card callback that is not ours).
 */
export function toInboundEvent(activity: TeamsActivity, receivedAt: number): InboundEvent | undefined {
  if (activity.from.id === activity.recipient.id) return undefined;
  // The channel is the conversation; the thread the request came from is where later notices about it go.
  const { threadId } = splitConversationId(activity.conversation.id);
  const base = {
    id: deliveryId(activity),
    actor: actorOf(activity),
    conversation: { ...conversationRefOf(activity), ...(threadId ? { replyTo: threadId } : {}) },
    receivedAt,
    raw: activity,
  };
  const messageId = activity.replyToId ? { messageId: activity.replyToId } : {};
  if (isCardInvoke(activity)) {
    const parsed = executeValue.safeParse(activity.value);
    if (!parsed.success || parsed.data.action.type !== 'Action.Execute') return undefined;
    const cb = callbackOf(parsed.data.action.data, parsed.data.action.verb);
    return cb ? { ...base, ...cb, ...messageId } : undefined;
  }
  if (activity.type !== 'message') return undefined;
  if (activity.value !== undefined && activity.value !== null) {
    const cb = callbackOf(activity.value);
    return cb ? { ...base, ...cb, ...messageId } : undefined;
  }
  const typed = commandText(activity);
  const files = attachmentsOf(activity);
  // An image or file without words: the core answers with a hint (command left empty).
  if (!typed && files.length) return { ...base, kind: 'command', command: '', text: '', attachments: files };
  return { ...base, kind: 'command', ...parseCommand(typed), ...(files.length ? { attachments: files } : {}) };
}

/**
 * Conversations to greet with help for a conversationUpdate: the one the bot was just added to,
 * or the channel just created in a team that has the bot.
 */
export function conversationsToGreet(activity: TeamsActivity): ConversationRef[] {
  if (activity.type !== 'conversationUpdate') return [];
  const botAdded = (activity.membersAdded ?? []).some((m) => m.id === activity.recipient.id);
  if (botAdded) return [conversationRefOf(activity)];
  const channel = activity.channelData?.channel;
  if (activity.channelData?.eventType === 'channelCreated' && channel?.id) return [conversationRefOf(activity, channel.id)];
  return [];
}
