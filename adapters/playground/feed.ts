import { createHash } from 'node:crypto';
import { SendError, type ChatAdapter } from '../../src/core/ports.js';
import type { StateStore } from '../../src/core/store.js';
import type { OutboundMessage } from '../../src/core/types.js';
import { fallbackTextOf } from '../kit/fallback.js';
import { PLAYGROUND_BOT } from './inbound.js';
import { messageToHtml } from './render.js';
import { keys } from '../../src/core/keys.js';

/**
 * The playground's "platform": messages kept per channel in the StateStore, where the page polls
 * them. Its outbound adapter posts and edits here, as a platform's API would.
 */

/** A message as the playground shows it. */
export interface PlaygroundMessage {
  id: string;
  channel: string;
  /** Bumped on every change, so a poll `since` the last seq sees edits too. */
  seq: number;
  /** Place in the feed: the seq of the first post. An edit in place keeps it (older rows: absent, use `seq`). */
  pos?: number;
  at: number;
  /** The message's fallback text (never empty for a card). */
  text: string;
  html: string;
  /** Set for ephemeral messages: only this user sees them. */
  audience?: string;
  author: 'bot' | string;
}


export interface PlaygroundFeed {
  /**
   * Stores a new message, or (with `id`) the new content of one already shown: an edit keeps the
   * message's place in the feed, its first post time and who may see it, as a platform's
   * in-place update does.
   */
  save(channel: string, message: OutboundMessage, id?: string, author?: string): Promise<PlaygroundMessage>;
  /** What `user` sees of `channel` changed after `since` (a seq), in first-post order, at most 200. */
  read(channel: string, user: string, since?: number): Promise<{ messages: PlaygroundMessage[]; seq: number }>;
}

export function createPlaygroundFeed(store: StateStore, now: () => number = Date.now): PlaygroundFeed {
  return {
    async save(channel, message, id, author = PLAYGROUND_BOT) {
      const [seq, before] = await Promise.all([store.incr(keys.seq('playground')), id ? store.get<PlaygroundMessage>(keys.playgroundMessage(id)) : undefined]);
      const audience = message.visibility === 'ephemeral' && message.audience ? `${message.audience.id}` : undefined;
      const msg: PlaygroundMessage = {
        id: id ?? `m${seq}`,
        channel,
        seq,
        pos: before ? (before.pos ?? before.seq) : seq,
        at: before?.at ?? now(),
        text: fallbackTextOf(message),
        html: messageToHtml(message),
        audience: audience ?? before?.audience,
        author,
      };
      await store.set(keys.playgroundMessage(msg.id), msg);
      await store.zadd(keys.playgroundFeed(channel), msg.id, seq);
      return msg;
    },
    async read(channel, user, since = 0) {
      const ids = await store.zrange(keys.playgroundFeed(channel), since + 1, Infinity, { limit: 200 });
      // The index is ordered by last change (so polls see edits); the page shows first-post order.
      const messages = (await store.getMany<PlaygroundMessage>(ids.map((m) => keys.playgroundMessage(m.member))))
        .filter((m): m is PlaygroundMessage => m !== undefined && (!m.audience || m.audience === user))
        .sort((a, b) => (a.pos ?? a.seq) - (b.pos ?? b.seq));
      return { messages, seq: ids.length ? ids[ids.length - 1]!.score : since };
    },
  };
}

/** A store that fails is the playground's platform being unavailable: retried by the outbox like a 5xx. */
function unavailable(e: unknown): SendError {
  return new SendError(`playground: the feed could not be written (${e instanceof Error ? e.message : String(e)})`, true, undefined, undefined, {
    code: 'server_error',
    cause: e,
  });
}

/** The outbound adapter over the feed, for the outbox. */
export function createPlaygroundAdapter(feed: PlaygroundFeed): ChatAdapter {
  return {
    platform: 'playground',
    capabilities: { ephemeral: true, updateInPlace: true, modals: true, images: true },
    limits: { perConversationPerSecond: 5, perConversationBurst: 10, perAppPerSecond: 50 },
    // The outbox's idempotency key names the message, so a push sent again after a crash (sent,
    // then killed before the outbox recorded it) lands on the same message instead of a second
    // one, as Feishu's `uuid` does.
    async post(ref, message, options) {
      const id = options?.idempotencyKey ? `k${createHash('sha256').update(options.idempotencyKey).digest('hex').slice(0, 24)}` : undefined;
      const msg = await feed.save(ref.channelId, message, id).catch((e: unknown) => Promise.reject(unavailable(e)));
      return { conversation: ref, messageId: msg.id };
    },
    async update(sent, message) {
      await feed.save(sent.conversation.channelId, message, sent.messageId).catch((e: unknown) => Promise.reject(unavailable(e)));
    },
  };
}
