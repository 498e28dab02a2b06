/**
 * Normalized types shared by the core, the commands and every adapter.
 * Nothing here knows about a particular chat platform.
 */

/** Platforms aftercare talks to. `playground` is the local browser chat. */
export type Platform = 'slack' | 'teams' | 'feishu' | 'playground';

/** A person on a platform. `id` is the platform's own user id (Slack U…, Teams aadObjectId, Feishu open_id). */
export interface Actor {
  platform: Platform;
  id: string;
  displayName?: string;
  /** Platform locale as reported by the platform (e.g. `en-US`, `zh-CN`); mapped to a supported one by the core. */
  locale?: string;
  /**
   * Other ids the platform gives this same person (a Teams `29:` id beside the aadObjectId in
   * `id`): what was granted to them under one of these before their canonical id was known still
   * counts.
   */
  aliases?: string[];
}

/**
 * Where a message goes. JSON-serializable: schedules and escalations post later.
 * `native` holds what a platform needs for proactive posts (Teams ConversationReference); the core never reads it.
 */
export interface ConversationRef {
  platform: Platform;
  tenantId: string;
  channelId: string;
  threadId?: string;
  /** True for a 1:1 conversation with the bot. */
  direct?: boolean;
  /**
   * The message (a Slack thread's `ts`, a Feishu topic's message) that answers to a request made
   * inside a thread or topic reply under, so they stay there. Not part of the conversation's
   * identity (`conversationKey` ignores it): a binding or subscription made from a thread belongs
   * to the whole conversation, and is stored without it.
   */
  replyTo?: string;
  native?: unknown;
}

interface InboundBase {
  /** Delivery id, the dedupe key: platform retries of the same delivery carry the same id. */
  id: string;
  actor: Actor;
  conversation: ConversationRef;
  /** Epoch milliseconds. */
  receivedAt: number;
  /** Platform payload, kept for logs; commands never read it. */
  raw?: unknown;
}

/** A command typed by a user: `/issue Login fails sev:S2` → command `issue`, text `Login fails sev:S2`. */
export interface CommandEvent extends InboundBase {
  kind: 'command';
  command: string;
  text: string;
  /** Slack trigger_id (lives ~3 s) so a form can be opened at once. */
  triggerId?: string;
  /**
   * Files or images sent with the message (Slack file_share, a Teams image, a Feishu image or
   * file). With no command text (`command` empty) the core answers a short hint instead of
   * ignoring the message.
   */
  attachments?: Array<{ name?: string; type?: string }>;
}

/** A button click. `actionId` is `<command>.<verb>`, e.g. `issue.ack`. */
export interface ActionEvent extends InboundBase {
  kind: 'action';
  actionId: string;
  value?: string;
  /** Platform id of the message that carried the button, when known (to update it in place). */
  messageId?: string;
}

/** A submitted form. `formId` is `<command>.<form>`, e.g. `issue.create`. */
export interface SubmitEvent extends InboundBase {
  kind: 'submit';
  formId: string;
  values: Record<string, string>;
  messageId?: string;
}

export type InboundEvent = CommandEvent | ActionEvent | SubmitEvent;

/** Colour/intent of a card; each renderer maps it to the platform's closest style. */
export type Tone = 'info' | 'success' | 'warning' | 'danger' | 'neutral';

/** A markdown subset shared by every platform: **bold**, _italic_, `code`, [text](url), line breaks, `- ` bullets. */
export interface TextBlock { type: 'text'; text: string }
export interface FieldsBlock { type: 'fields'; fields: Array<{ label: string; value: string }> }
export interface ContextBlock { type: 'context'; text: string }
export interface DividerBlock { type: 'divider' }
export interface Button {
  /** `<command>.<verb>`, routed back to that command's action handler. */
  actionId: string;
  label: string;
  value?: string;
  style?: 'primary' | 'danger' | 'default';
  /** A link button opens a URL instead of calling back. */
  url?: string;
}
export interface ActionsBlock { type: 'actions'; buttons: Button[] }
export interface FormInput {
  id: string;
  label: string;
  kind: 'text' | 'textarea' | 'select';
  required?: boolean;
  placeholder?: string;
  initial?: string;
  /** For `select`. */
  options?: Array<{ value: string; label: string }>;
  maxLength?: number;
}
export interface FormBlock {
  type: 'form';
  /** `<command>.<form>`, routed back to that command's form handler. */
  formId: string;
  inputs: FormInput[];
  submitLabel: string;
}
/**
 * A picture. `url` is where a platform fetches it (public); `imageId`, when the picture is one the
 * server stores (a digest chart, served at /charts/<id>.png), lets an adapter that must upload
 * pictures itself (Feishu's img_key) read the bytes without fetching its own URL.
 */
export interface ImageBlock { type: 'image'; url: string; alt: string; imageId?: string }

export type Block = TextBlock | FieldsBlock | ContextBlock | DividerBlock | ActionsBlock | FormBlock | ImageBlock;

export interface Card {
  title?: string;
  tone?: Tone;
  blocks: Block[];
}

/** What the core asks an adapter to show. `text` is always present: notification and accessibility fallback. */
export interface OutboundMessage {
  text: string;
  card?: Card;
  /** `ephemeral`: only the actor sees it (adapters without it fall back to a direct message or a normal reply). */
  visibility?: 'channel' | 'ephemeral';
  /** For ephemeral messages: who sees it. */
  audience?: Actor;
  /**
   * The same message in other languages, for platforms that can show each reader their own
   * language (Feishu cards in a group chat). Same structure as `text`/`card`, only the words differ;
   * an entry for the message's own language may be present and is ignored. Adapters that cannot
   * show per-reader languages ignore this field and send `text`/`card` as they are.
   */
  alternates?: Partial<Record<Locale, Pick<OutboundMessage, 'text' | 'card'>>>;
}

/** A message an adapter has posted, so it can be updated in place later. JSON-serializable. */
export interface SentRef {
  conversation: ConversationRef;
  messageId: string;
  native?: unknown;
}

/** Supported interface languages. */
export type Locale = 'en' | 'zh-CN';
