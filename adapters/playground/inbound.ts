import { z } from 'zod';
import type { ConversationRef, InboundEvent } from '../../src/core/types.js';

/**
 * What the playground page posts to /playground/event → the core's InboundEvent. Pure, like the
 * other adapters' inbound mappings.
 */

/** The author of the bot's own messages in the feed (the page shows it as "aftercare"). */
export const PLAYGROUND_BOT = 'bot';

/** One event from the page: who the person is playing, where, and what they did. */
export const playgroundEventSchema = z.object({
  user: z.string().regex(/^[\w.-]{1,40}$/),
  name: z.string().max(60).optional(),
  role: z.enum(['customer', 'engineer', 'manager', 'admin']),
  lang: z.enum(['en', 'zh-CN']),
  channel: z.string().regex(/^[\w.-]{1,60}$/),
  kind: z.enum(['command', 'action', 'submit']),
  text: z.string().max(4000).optional(),
  actionId: z.string().max(100).optional(),
  value: z.string().max(500).optional(),
  formId: z.string().max(100).optional(),
  values: z.record(z.string(), z.string().max(4000)).optional(),
  messageId: z.string().max(40).optional(),
});
export type PlaygroundEvent = z.infer<typeof playgroundEventSchema>;

/** The conversation of a playground channel; `dm-…` channels are direct. */
export function playgroundConversation(channel: string): ConversationRef {
  return { platform: 'playground', tenantId: 'local', channelId: channel, direct: channel.startsWith('dm-') };
}

/** The author a message typed by this person is shown with. */
export function authorOf(e: Pick<PlaygroundEvent, 'user' | 'name'>): string {
  return e.name ?? e.user;
}

/** True for an event that would be shown as the bot's own (the user or name `bot`). */
export function isBotAuthored(e: Pick<PlaygroundEvent, 'user' | 'name'>): boolean {
  return e.user === PLAYGROUND_BOT || authorOf(e) === PLAYGROUND_BOT;
}

/**
 * An event → InboundEvent; `undefined` for the bot's own and for a command without text. `nonce`
 * makes the delivery id unique: the page never resends an event, so there is nothing to dedupe.
 */
export function fromPlaygroundEvent(e: PlaygroundEvent, receivedAt: number, nonce: string): InboundEvent | undefined {
  if (isBotAuthored(e)) return undefined;
  const base = {
    id: `${e.user}:${receivedAt}:${nonce}`,
    actor: { platform: 'playground' as const, id: e.user, displayName: authorOf(e), locale: e.lang },
    conversation: playgroundConversation(e.channel),
    receivedAt,
  };
  if (e.kind === 'command') {
    const m = /^\/?(\S+)\s*([\s\S]*)$/.exec((e.text ?? '').trim());
    if (!m) return undefined;
    return { ...base, kind: 'command', command: m[1]!.toLowerCase(), text: m[2] ?? '' };
  }
  if (e.kind === 'action') return { ...base, kind: 'action', actionId: e.actionId ?? '', value: e.value, messageId: e.messageId };
  return { ...base, kind: 'submit', formId: e.formId ?? '', values: e.values ?? {}, messageId: e.messageId };
}
