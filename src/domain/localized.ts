import { can } from '../core/capabilities.js';
import { catalogues } from '../core/i18n.js';
import type { ConversationRef, Locale, OutboundMessage } from '../core/types.js';

/** Every language aftercare has a message catalogue for. */
export const LOCALES = Object.keys(catalogues) as Locale[];

/**
 * Whether one message in a conversation can show each reader their own language: a group chat on
 * a platform whose adapter declares `perReaderLanguage`. A direct chat has one reader, who already
 * gets their language.
 */
export function showsReadersTheirLanguage(conversation: ConversationRef): boolean {
  return can(conversation.platform, 'perReaderLanguage') && !conversation.direct;
}

/**
 * The message `build` makes in `locale`; with `multilingual`, also built in every other language and
 * attached as `alternates` (text and card only: visibility and audience are the primary's).
 */
export function localized(build: (locale: Locale) => OutboundMessage, locale: Locale, multilingual: boolean): OutboundMessage {
  const message = build(locale);
  if (!multilingual) return message;
  const alternates: NonNullable<OutboundMessage['alternates']> = {};
  for (const other of LOCALES) {
    if (other === locale) continue;
    const alt = build(other);
    alternates[other] = alt.card ? { text: alt.text, card: alt.card } : { text: alt.text };
  }
  return Object.keys(alternates).length ? { ...message, alternates } : message;
}
