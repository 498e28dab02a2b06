import { keys } from '../core/keys.js';
import { conversationKey } from '../core/ports.js';
import type { StateStore, Write } from '../core/store.js';
import type { ConversationRef, Locale } from '../core/types.js';

/**
 * Who a conversation's copy of a live card is built for: `staff` copies carry the action buttons
 * (until the item is resolved); `customer` copies never do. A conversation that was ever a
 * customer's stays one.
 */
export type LiveAudience = 'staff' | 'customer';

/** One conversation that shows an item's live card. */
export interface LiveCopy {
  conversation: ConversationRef;
  audience: LiveAudience;
  /** The language the copy is built in (the reporter's own); else the conversation's setting. */
  locale?: Locale;
}

/** The live card of a ticket or alert: one per item, the same key in every conversation (`ticket:SUP-1`, `alert:ALR-3`). */
export const liveCardKey = (kind: 'ticket' | 'alert', id: string) => `${kind}:${id}`;

/**
 * The register of every conversation that shows an item's live card: one card per item per
 * conversation, updated in place on every change (see notify.ts). A conversation is added when
 * the bot first shows the card there (a subscriber's push, the reporter's conversation, a page to
 * the escalation channel, `/issue show`); it is never removed, so no copy is left behind with
 * stale state or live buttons. Reading it costs one index read and one value per conversation
 * that shows the item, never a scan.
 */
export function createLiveCards(store: StateStore, now: () => number) {
  /** Every conversation that shows the card, by conversation key, in the order they first showed it. */
  async function read(cardKey: string): Promise<Map<string, LiveCopy>> {
    const members = await store.zrange(keys.liveCopies(cardKey), -Infinity, Infinity);
    const copies = members.length ? await store.getMany<LiveCopy>(members.map((m) => keys.liveCopy(cardKey, m.member))) : [];
    return new Map(members.flatMap((m, i) => (copies[i] ? [[m.member, copies[i]] as const] : [])));
  }

  return {
    /**
     * Adds (or merges) `copies` and returns every conversation that shows the card, the new ones
     * last: one index read, one read of the copies, and one write only when something is new.
     * Idempotent. A customer audience wins over staff.
     */
    async add(cardKey: string, copies: LiveCopy[]): Promise<LiveCopy[]> {
      const known = await read(cardKey);
      const writes: Write[] = [];
      for (const copy of copies) {
        const convKey = conversationKey(copy.conversation);
        const before = known.get(convKey);
        const audience: LiveAudience = before?.audience === 'customer' || copy.audience === 'customer' ? 'customer' : 'staff';
        const merged: LiveCopy = { conversation: copy.conversation, audience, locale: copy.locale ?? before?.locale };
        if (before && before.audience === merged.audience && before.locale === merged.locale) continue;
        known.set(convKey, merged);
        writes.push({ op: 'set', key: keys.liveCopy(cardKey, convKey), value: merged });
        writes.push({ op: 'zadd', key: keys.liveCopies(cardKey), member: convKey, score: now(), onlyNew: true });
      }
      if (writes.length) await store.batch(writes);
      return [...known.values()];
    },
    /** Every conversation that shows the card, in the order they first showed it. */
    async list(cardKey: string): Promise<LiveCopy[]> {
      return [...(await read(cardKey)).values()];
    },
    /** Whether `conversation` already shows the card. */
    async shows(cardKey: string, conversation: ConversationRef): Promise<boolean> {
      return (await store.get(keys.liveCopy(cardKey, conversationKey(conversation)))) !== undefined;
    },
  };
}
export type LiveCards = ReturnType<typeof createLiveCards>;
