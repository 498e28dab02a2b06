import type { OutboundMessage } from '../core/types.js';
import type { CardContext } from './cards.js';
import type { Directory } from './directory/service.js';
import type { Notify } from './notify.js';

/**
 * Pushes meant for one person, in their direct conversation with the bot and their language:
 * reminders, security cards, the access review. A person who never talked to the bot directly has
 * no such conversation yet; the caller learns it (false) and decides what to say.
 */
export function createDirectNotices(directory: Directory, notify: Pick<Notify, 'toConversation'>) {
  return {
    /**
     * Posts (once per `push.idempotencyKey`) or upserts (`push.cardKey`) a message to `user`
     * (`platform:id`). Resolves false when the person has no direct conversation with the bot.
     */
    async toUser(user: string, build: (c: CardContext) => OutboundMessage, push: { idempotencyKey?: string; cardKey?: string }): Promise<boolean> {
      const [conversation, locale] = await Promise.all([directory.directConversation(user), directory.noticeLocale(user)]);
      if (!conversation) return false;
      await notify.toConversation(conversation, build, { ...push, locale });
      return true;
    },
  };
}
export type DirectNotices = ReturnType<typeof createDirectNotices>;
