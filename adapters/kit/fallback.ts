import type { Block, Card, OutboundMessage } from '../../src/core/types.js';

/**
 * The text every platform shows where a card cannot be: notifications, screen readers, clients
 * without card support (Slack `text`, Teams `summary` and the card's `fallbackText`, Feishu's
 * `config.summary`). The core always sends `text`, but a card-only message may leave it blank;
 * the card's own words then stand in, so no platform is ever handed an empty fallback.
 */

function blockWords(block: Block): string {
  switch (block.type) {
    case 'text':
    case 'context':
      return block.text;
    case 'fields':
      return block.fields.map((f) => `${f.label}: ${f.value}`).join(' · ');
    case 'actions':
      return block.buttons.map((b) => b.label).join(' · ');
    case 'form':
      return block.submitLabel;
    case 'image':
      return block.alt;
    case 'divider':
      return '';
  }
}

/** The first words of a card, in the core's markdown: its title, else its first block that has words. */
export function cardWords(card: Card): string {
  if (card.title?.trim()) return card.title;
  for (const block of card.blocks) {
    const words = blockWords(block);
    if (words.trim()) return words;
  }
  return '';
}

/**
 * A message's fallback text, in the core's markdown: `text` when it has words, else the card's
 * (see cardWords). Empty only for a message with neither (the adapter then adds its platform's
 * placeholder, if the platform needs one).
 */
export function fallbackTextOf(message: Pick<OutboundMessage, 'text' | 'card'>): string {
  if (message.text.trim()) return message.text;
  return message.card ? cardWords(message.card) : '';
}
