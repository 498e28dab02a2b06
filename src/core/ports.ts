import type { Actor, ConversationRef, Locale, OutboundMessage, Platform, SentRef, Card } from './types.js';

/** What a platform can do natively; a missing capability has a fallback in the core, never a platform check in a command. */
export interface AdapterCapabilities {
  /** Only-you replies; without it they are sent as a normal reply in the same conversation. */
  ephemeral: boolean;
  /** Messages can be edited after posting; without it an update is posted as a new message. */
  updateInPlace: boolean;
  /** Forms open as a modal; without it a form is a card in the conversation. */
  modals: boolean;
  /** Images from a public URL render inline. */
  images: boolean;
  /**
   * One message in a group conversation shows each reader their own language (the message's
   * `alternates`, chosen by each reader's client). Without it everybody reads the same words.
   */
  perReaderLanguage?: boolean;
  /** A normalized mention `<@platform:id>` renders as the person's name, so a person known only by id is shown as one. */
  mentionsShowNames?: boolean;
}

/**
 * Pacing the outbox applies per conversation and per app, declared by each adapter from its
 * platform's published limits (Slack ~1 msg/s per channel, Teams ~7/s per thread, Feishu 5/s per chat).
 */
export interface PacingLimits {
  /** Sustained messages per second in one conversation. */
  perConversationPerSecond: number;
  /** Short bursts allowed above the sustained rate. */
  perConversationBurst: number;
  /** Messages per second across the whole app (all conversations). */
  perAppPerSecond: number;
  /**
   * Messages per minute across the whole app, where the platform's minute quota is tighter than
   * its per-second one (Feishu: 50/s but 1,000/min): bursts go at the per-second rate while the
   * minute's budget lasts.
   */
  perAppPerMinute?: number;
}

/**
 * Why a send failed, for logs and metrics (the outbox acts on `retryable` alone):
 * - `rate_limited`: HTTP 429 or the platform's own "slow down" answer;
 * - `server_error`: HTTP 5xx or another "try again" answer of the platform;
 * - `timeout`: HTTP 408, or no answer within the call's deadline;
 * - `network`: no HTTP answer at all (connection refused or reset, DNS);
 * - `auth`: the platform refused the app's credentials or token;
 * - `refused`: any other refusal (HTTP 4xx, unknown conversation, invalid content): final.
 */
export type SendErrorCode = 'rate_limited' | 'server_error' | 'timeout' | 'network' | 'auth' | 'refused';

/**
 * A send failure classified by the adapter. `retryable` errors (429, 5xx, timeouts) are retried by
 * the outbox with backoff, honouring `retryAfterMs`; others are recorded as dead letters and logged.
 * `options.code` says why (see SendErrorCode); `options.cause` keeps the SDK's own error (ES2022
 * Error cause) for logs.
 */
export class SendError extends Error {
  readonly code?: SendErrorCode;

  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    readonly status?: number,
    options: { code?: SendErrorCode; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SendError';
    if (options.code !== undefined) this.code = options.code;
  }
}

/**
 * Whether the bot can post in a conversation, as the platform says before anything is sent:
 * `ok: false` with the platform's reason (`channel_not_found`, `not_in_channel`) when it cannot.
 * A check that cannot be made (the API is down, a scope is missing) is `ok: true` with `unknown`,
 * so an outage never blocks a command; the first refused push then marks the destination broken.
 */
export type DestinationCheck = { ok: true; unknown?: string } | { ok: false; reason: string };

/** The outbound half of a platform adapter: everything the outbox needs to deliver pushes. */
export interface ChatAdapter {
  readonly platform: Platform;
  readonly capabilities: AdapterCapabilities;
  readonly limits: PacingLimits;
  /**
   * Posts a message; resolves with a reference that `update` accepts. Throws SendError on failure.
   * `idempotencyKey` is the same for every attempt of one queued push: a platform that dedupes
   * creates by key (Feishu's `uuid`) then never shows a retried push twice.
   */
  post(ref: ConversationRef, message: OutboundMessage, options?: { idempotencyKey?: string }): Promise<SentRef>;
  /** Replaces a previously posted message. Throws SendError on failure. */
  update(sent: SentRef, message: OutboundMessage): Promise<void>;
  /**
   * Asks the platform whether the bot can post in `ref` (membership, existence). Without it every
   * conversation a command came from counts as reachable (the platform delivers only from
   * conversations the bot is in).
   */
  checkDestination?(ref: ConversationRef): Promise<DestinationCheck>;
  /**
   * The person's direct conversation with the bot built from their platform id alone, where the
   * platform allows it (Slack: chat.postMessage to a user id; Feishu: receive_id_type=open_id).
   * `like` is a conversation of theirs on the same installation (tenant, service URL).
   */
  directTo?(userId: string, like: ConversationRef): ConversationRef | undefined;
  /** Releases sockets and timers. */
  close?(): Promise<void>;
}

/**
 * The result of handling one inbound event, for the adapter to show.
 * - `messages`: replies in the conversation the event came from (in order).
 * - `replace`: the new content of the message that carried the clicked button or form, when the
 *   command wants it replaced (a form that was submitted, a confirmation that was answered).
 * - `openForm`: a form to open at once (Slack modal; elsewhere the adapter posts it as a card).
 */
export interface Reply {
  messages: OutboundMessage[];
  replace?: OutboundMessage;
  openForm?: { card: Card; title: string; submitLabel: string };
  locale: Locale;
}

/**
 * What the core offers an adapter besides the inbound pipeline (which is how events get in: see
 * src/core/inbound.ts).
 */
export interface CoreApi {
  /** The locale a reply to this actor in this conversation uses (setting → platform locale → default). */
  localeFor(actor: Actor, conversation: ConversationRef): Promise<Locale>;
  /** Remembers a conversation (with its `native` reference) so pushes can reach it later. */
  rememberConversation(ref: ConversationRef): Promise<void>;
  /** Looks up a remembered conversation by its key (see `conversationKey`). */
  conversation(key: string): Promise<ConversationRef | undefined>;
  /**
   * Records that `alias` (a user key under another id the platform uses for the same person, e.g.
   * `teams:29:…`) is `user` (`teams:<aadObjectId>`). Unchanged pairs are not written again.
   */
  rememberAlias(alias: string, user: string): Promise<void>;
  /** The user key an alias stands for, when it has been seen. */
  aliasOf(alias: string): Promise<string | undefined>;
}

/** A stable key for a conversation: `<platform>:<tenant>:<channel>[:<thread>]`. */
export function conversationKey(ref: Pick<ConversationRef, 'platform' | 'tenantId' | 'channelId' | 'threadId'>): string {
  return [ref.platform, ref.tenantId, ref.channelId, ref.threadId].filter((p) => p !== undefined && p !== '').join(':');
}

/** A stable key for a user: `<platform>:<id>`, as in `AFTERCARE_ADMINS`. */
export function userKey(actor: Pick<Actor, 'platform' | 'id'>): string {
  return `${actor.platform}:${actor.id}`;
}

/** A platform's inbound + outbound halves, as the composition root wires them. */
export interface PlatformModule {
  readonly adapter: ChatAdapter;
  /** Mounts the platform's inbound routes on the one HTTP server (before any body parser runs). */
  mount(app: import('express').Express): void;
  /** Work after the server listens (e.g. verifying credentials, opening a Socket Mode connection). */
  start?(): Promise<void>;
  /** Closes what `start` opened (a platform's long connection), before the outbox and the store stop. */
  stop?(): Promise<void>;
}

/**
 * The server's stored images (digest charts), for adapters that upload a picture to the platform
 * instead of linking it (Feishu): the bytes by id, and the platform's key for an uploaded copy,
 * remembered per image content so one picture is uploaded once.
 */
export interface ImageSource {
  /** The PNG stored under `id`; undefined when it expired or never existed. */
  load(id: string): Promise<Buffer | undefined>;
  /** The platform's key for the uploaded copy of image `id`, when it was uploaded before. */
  uploadedKey(platform: Platform, id: string): Promise<string | undefined>;
  rememberUploaded(platform: Platform, id: string, key: string): Promise<void>;
}

/** What a platform factory receives from the composition root. */
export interface PlatformContext {
  core: CoreApi;
  /** The one inbound path: every delivery goes through `inbound.receive` before the platform is answered. */
  inbound: import('./inbound.js').InboundPipeline;
  log: import('./log.js').Logger;
  /** Base URL users reach the server at (links in messages). */
  publicUrl: string;
  /** The deployment's default locale (AFTERCARE_LOCALE). */
  defaultLocale: Locale;
  /** Counter for /metrics, e.g. inc('aftercare_inbound_total', { platform: 'slack' }). */
  metric(name: string, labels?: Record<string, string>, by?: number): void;
  /** Queues messages to a conversation through the durable outbox (paced, retried, resumed after restarts). */
  deliverLater(conversation: ConversationRef, messages: OutboundMessage[]): Promise<void>;
  /** Stored images (digest charts), for platforms that upload pictures (see ImageSource). */
  images?: ImageSource;
}
