import type { webApi } from '@slack/bolt';
import type { AdapterCapabilities, ChatAdapter, DestinationCheck, PacingLimits } from '../../src/core/ports.js';
import { SendError } from '../../src/core/ports.js';
import type { ConversationRef, Locale, OutboundMessage, SentRef } from '../../src/core/types.js';
import { renderMessage, type SlackMessage } from './render.js';
import { platformErrorCode, toSendError } from './web-api.js';

/**
 * Slack's published pacing: chat.postMessage allows about one message per second per channel with
 * short bursts; chat.update is a Tier 3 method (50+ per minute per workspace). The outbox paces by
 * these numbers and honours Retry-After when Slack still answers 429.
 */
export const SLACK_LIMITS_PACING: PacingLimits = { perConversationPerSecond: 1, perConversationBurst: 3, perAppPerSecond: 10 };

export const SLACK_CAPABILITIES: AdapterCapabilities = { ephemeral: true, updateInPlace: true, modals: true, images: true };

/** What a SentRef made by this adapter keeps in `native`. */
interface SlackNative {
  /** The channel Slack posted into (a `D…` id when the ref named a user). */
  channel: string;
  /** For ephemeral posts, which cannot be edited: who saw it, so an update is re-posted to them. */
  ephemeralTo?: string;
}

function nativeOf(sent: SentRef): SlackNative {
  const n = sent.native as Partial<SlackNative> | undefined;
  return { channel: typeof n?.channel === 'string' ? n.channel : sent.conversation.channelId, ephemeralTo: n?.ephemeralTo };
}

export interface SlackAdapterOptions {
  client: webApi.WebClient;
  /** Language of the adapter's own notes (cut content) in pushes. */
  locale: Locale;
  /** Where cut content can be read in full. */
  moreUrl?: string;
}

/** A user id can stand for the user's direct conversation with the bot in chat.postMessage. */
function canPostEphemeral(ref: ConversationRef): boolean {
  return !/^[UW]/.test(ref.channelId);
}

/**
 * The outbound half of the Slack adapter, used by the outbox: chat.postMessage / chat.postEphemeral
 * to post, chat.update to edit in place. Never retries by itself: every failure becomes a
 * classified SendError for the outbox (see toSendError).
 */
export function createSlackAdapter(options: SlackAdapterOptions): ChatAdapter & {
  /** Posts an already rendered message (the reply path renders with the reader's locale). */
  postRendered(ref: ConversationRef, rendered: SlackMessage, ephemeralTo?: string): Promise<SentRef>;
  updateRendered(sent: SentRef, rendered: SlackMessage): Promise<void>;
} {
  const { client } = options;
  const render = (message: OutboundMessage) => renderMessage(message, { locale: options.locale, moreUrl: options.moreUrl });

  async function postRendered(ref: ConversationRef, rendered: SlackMessage, ephemeralTo?: string): Promise<SentRef> {
    try {
      if (ephemeralTo && canPostEphemeral(ref)) {
        const res = await client.chat.postEphemeral({
          channel: ref.channelId,
          user: ephemeralTo,
          text: rendered.text,
          ...(rendered.blocks ? { blocks: rendered.blocks } : {}),
          ...(ref.threadId ?? ref.replyTo ? { thread_ts: ref.threadId ?? ref.replyTo } : {}),
        });
        const native: SlackNative = { channel: ref.channelId, ephemeralTo };
        return { conversation: ref, messageId: `ephemeral:${res.message_ts ?? ''}`, native };
      }
      const res = await client.chat.postMessage({
        channel: ref.channelId,
        text: rendered.text,
        ...(rendered.blocks ? { blocks: rendered.blocks } : {}),
        ...(ref.threadId ?? ref.replyTo ? { thread_ts: ref.threadId ?? ref.replyTo } : {}),
        unfurl_links: false,
        unfurl_media: false,
      });
      if (!res.ts) throw new SendError('slack: chat.postMessage answered without ts', false);
      const native: SlackNative = { channel: res.channel ?? ref.channelId };
      return { conversation: ref, messageId: res.ts, native };
    } catch (e) {
      throw toSendError(e);
    }
  }

  async function updateRendered(sent: SentRef, rendered: SlackMessage): Promise<void> {
    const native = nativeOf(sent);
    if (native.ephemeralTo || sent.messageId.startsWith('ephemeral:')) {
      // Slack cannot edit an ephemeral message through the Web API: show the new state again.
      await postRendered(sent.conversation, rendered, native.ephemeralTo);
      return;
    }
    try {
      await client.chat.update({ channel: native.channel, ts: sent.messageId, text: rendered.text, blocks: rendered.blocks ?? [] });
    } catch (e) {
      throw toSendError(e);
    }
  }

  /**
   * conversations.info (scopes channels:read, groups:read): a private channel the bot is not in
   * answers `channel_not_found`, exactly as a missing one (getsentry/sentry#119600); a channel
   * answered with `is_member: false` can take posts only when it is public and not shared with
   * another organisation (chat:write.public does not reach into Slack Connect channels). A
   * direct conversation needs no check: the bot's own IM, or answered through response_url.
   */
  async function checkDestination(ref: ConversationRef): Promise<DestinationCheck> {
    if (ref.direct || /^[DUW]/.test(ref.channelId)) return { ok: true };
    try {
      const res = await client.conversations.info({ channel: ref.channelId });
      const ch = res.channel;
      if (!ch || ch.is_member || ch.is_im) return { ok: true };
      if (ch.is_archived) return { ok: false, reason: 'is_archived' };
      if (ch.is_private || ch.is_group || ch.is_ext_shared || ch.is_shared) return { ok: false, reason: 'not_in_channel' };
      return { ok: true };
    } catch (e) {
      const code = platformErrorCode(e);
      if (code === 'channel_not_found' || code === 'is_archived') return { ok: false, reason: code };
      return { ok: true, unknown: code ?? toSendError(e).message };
    }
  }

  return {
    platform: 'slack',
    capabilities: SLACK_CAPABILITIES,
    checkDestination,
    // chat.postMessage with a user id as `channel` posts in the bot's IM with them (scope im:write).
    directTo: (userId, like) => ({ platform: 'slack', tenantId: like.tenantId, channelId: userId, direct: true }),
    limits: SLACK_LIMITS_PACING,
    post: (ref, message) => postRendered(ref, render(message), message.visibility === 'ephemeral' ? message.audience?.id : undefined),
    update: (sent, message) => updateRendered(sent, render(message)),
    postRendered,
    updateRendered,
  };
}
