import type { AdapterCapabilities, ChatAdapter, DestinationCheck, ImageSource, PacingLimits } from '../../src/core/ports.js';
import type { ConversationRef, Locale, OutboundMessage, SentRef } from '../../src/core/types.js';
import { digestId } from '../kit/delivery-id.js';
import { checkEnvelope, classify, type FeishuApi } from './api.js';
import type { FeishuNative } from './inbound.js';
import { toFeishuCard, type RenderOptions } from './render.js';

/** Stored images are uploaded (im/v1/images) and shown inline by img_key. Cards carry every language (`i18n_content`, each reader's client picks one); `<at>` mentions show names. */
export const FEISHU_CAPABILITIES: AdapterCapabilities = { ephemeral: false, updateInPlace: true, modals: false, images: true, perReaderLanguage: true, mentionsShowNames: true };

/**
 * Feishu's published sending limits: 5 messages/s per user and per group (shared by every bot in
 * the group), 50/s and 1,000/min per app. We stay a little under each: a burst of replies goes out
 * at up to 45/s while the minute's budget lasts, then at its sustained ~15/s.
 */
export const FEISHU_LIMITS: PacingLimits = { perConversationPerSecond: 4, perConversationBurst: 5, perAppPerSecond: 45, perAppPerMinute: 900 };

export interface PostOptions {
  /** The outbox's idempotency key: Feishu drops a second create with the same `uuid` within an hour. */
  idempotencyKey?: string;
}

export interface FeishuAdapter extends ChatAdapter {
  post(ref: ConversationRef, message: OutboundMessage, options?: PostOptions): Promise<SentRef>;
  /** The card a message renders to for this conversation (also the body of card-callback answers). */
  render(message: OutboundMessage, ref: ConversationRef): Record<string, unknown>;
}

/**
 * Posts through `im.v1.message.create` and edits through `im.v1.message.patch`. Every message is a
 * JSON 2.0 card (the text is its summary and notification). No retries here: failures are thrown
 * as SendError for the outbox, which paces and retries.
 */
export function createFeishuAdapter(api: FeishuApi, options: { defaultLocale: Locale; images?: ImageSource }): FeishuAdapter {
  const images = options.images;

  /**
   * The img_key of every stored image the message shows (in any of its languages): uploaded through
   * `im.v1.image.create` with image_type `message` the first time, then read from the cache kept per
   * image content. An image that is no longer stored stays a link. Upload failures are SendErrors,
   * so the outbox retries the whole push.
   */
  async function imageKeysOf(message: OutboundMessage): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (!images) return found;
    const cards = [message.card, ...Object.values(message.alternates ?? {}).map((a) => a?.card)];
    const ids = new Set(cards.flatMap((c) => c?.blocks ?? []).flatMap((b) => (b.type === 'image' && b.imageId ? [b.imageId] : [])));
    for (const id of ids) {
      const cached = await images.uploadedKey('feishu', id);
      if (cached) {
        found.set(id, cached);
        continue;
      }
      const png = await images.load(id);
      if (!png) continue;
      let res: unknown;
      try {
        res = await api.client.im.v1.image.create({ data: { image_type: 'message', image: png } });
      } catch (e) {
        throw classify(e, api, 'im.v1.image.create');
      }
      checkEnvelope(res, api, 'im.v1.image.create');
      // The SDK unwraps this upload's answer: it resolves with `data` (`{ image_key }`), not the envelope.
      const key = (res as { image_key?: string } | null)?.image_key;
      if (!key) throw classify({ code: -1, msg: 'no image_key in the answer' }, api, 'im.v1.image.create');
      await images.rememberUploaded('feishu', id, key);
      found.set(id, key);
    }
    return found;
  }

  const renderOptions = (message: OutboundMessage, ref: ConversationRef): RenderOptions => {
    const locale = options.defaultLocale;
    // `alternates` (other languages of the message): a group card then shows each reader their
    // client's language. A direct chat has one reader, who already gets their own language.
    if (ref.direct || !message.alternates) return { locale };
    // The alternate is the entry that differs from the message itself; the message is in the other language.
    const entry = (Object.entries(message.alternates) as Array<[Locale, Pick<OutboundMessage, 'text' | 'card'>]>).find(
      ([, alt]) => alt.text !== message.text || JSON.stringify(alt.card) !== JSON.stringify(message.card),
    );
    if (!entry) return { locale };
    const [other, alt] = entry;
    return { locale: other === 'en' ? 'zh-CN' : 'en', alternate: { locale: other, message: { ...message, ...alt } } };
  };
  const render = (message: OutboundMessage, ref: ConversationRef, imageKeys?: ReadonlyMap<string, string>) =>
    toFeishuCard(message, { ...renderOptions(message, ref), imageKeys });

  return {
    platform: 'feishu',
    capabilities: FEISHU_CAPABILITIES,
    limits: FEISHU_LIMITS,
    render,
    /**
     * GET im/v1/chats/:chat_id/members/is_in_chat (scope im:chat:readonly), asked with the bot's
     * own token: whether the bot is (still) in the group. Without the scope, or with the API
     * unreachable, the answer is unknown and the command goes on.
     */
    async checkDestination(ref): Promise<DestinationCheck> {
      if (ref.direct || (ref.native as Partial<FeishuNative> | undefined)?.receiveIdType === 'open_id') return { ok: true };
      try {
        const res = await api.client.im.v1.chatMembers.isInChat({ path: { chat_id: ref.channelId } });
        if (res.code === 0 && res.data?.is_in_chat === false) return { ok: false, reason: 'bot_not_in_chat' };
        return res.code === 0 ? { ok: true } : { ok: true, unknown: `code ${res.code}` };
      } catch (e) {
        return { ok: true, unknown: e instanceof Error ? e.message : String(e) };
      }
    },
    // A message to a user's open_id lands in their direct chat with the bot.
    directTo: (openId, like) => ({ platform: 'feishu', tenantId: like.tenantId, channelId: openId, direct: true, native: { receiveIdType: 'open_id' } satisfies FeishuNative }),
    async post(ref, message, postOptions) {
      const native = (ref.native ?? {}) as Partial<FeishuNative>;
      const receiveIdType = native.receiveIdType ?? 'chat_id';
      const content = JSON.stringify(render(message, ref, await imageKeysOf(message)));
      const uuid = postOptions?.idempotencyKey ? { uuid: digestId(postOptions.idempotencyKey) } : {};
      let res: unknown;
      if (ref.replyTo) {
        // An answer inside a topic or thread: a reply in that thread (POST im/v1/messages/:id/reply
        // with reply_in_thread), not a new top-level message, which a topic group shows as a new topic.
        try {
          res = await api.client.im.v1.message.reply({ path: { message_id: ref.replyTo }, data: { msg_type: 'interactive', content, reply_in_thread: true, ...uuid } });
        } catch (e) {
          throw classify(e, api, 'im.v1.message.reply');
        }
        checkEnvelope(res, api, 'im.v1.message.reply');
        const replyId = (res as { data?: { message_id?: string } }).data?.message_id;
        if (!replyId) throw classify({ code: -1, msg: 'no message_id in the answer' }, api, 'im.v1.message.reply');
        return { conversation: ref, messageId: replyId };
      }
      try {
        res = await api.client.im.v1.message.create({
          params: { receive_id_type: receiveIdType },
          data: {
            receive_id: ref.channelId,
            msg_type: 'interactive',
            content,
            ...uuid,
          },
        });
      } catch (e) {
        throw classify(e, api, 'im.v1.message.create');
      }
      checkEnvelope(res, api, 'im.v1.message.create');
      const messageId = (res as { data?: { message_id?: string } }).data?.message_id;
      if (!messageId) throw classify({ code: -1, msg: 'no message_id in the answer' }, api, 'im.v1.message.create');
      return { conversation: ref, messageId };
    },
    async update(sent, message) {
      const imageKeys = await imageKeysOf(message);
      let res: unknown;
      try {
        res = await api.client.im.v1.message.patch({
          path: { message_id: sent.messageId },
          data: { content: JSON.stringify(render(message, sent.conversation, imageKeys)) },
        });
      } catch (e) {
        throw classify(e, api, 'im.v1.message.patch');
      }
      checkEnvelope(res, api, 'im.v1.message.patch');
    },
  };
}
