import { describe, expect, it } from 'vitest';
import { deliveryId, digestId } from '../../adapters/kit/delivery-id.js';
import { cardWords, fallbackTextOf } from '../../adapters/kit/fallback.js';

describe('delivery ids', () => {
  it('derives the same 32-hex-character id from the same payload fields, every time', () => {
    expect(deliveryId('trigger-1', '1700000000.1', 'issue.ack')).toMatch(/^[0-9a-f]{32}$/);
    expect(deliveryId('trigger-1', '1700000000.1', 'issue.ack')).toBe(deliveryId('trigger-1', '1700000000.1', 'issue.ack'));
    expect(digestId('push:ticket:SUP-1')).toBe(digestId('push:ticket:SUP-1'));
  });

  it('never gives two different field lists the same id', () => {
    expect(deliveryId('ab', 'c')).not.toBe(deliveryId('a', 'bc'));
    expect(deliveryId('a', undefined)).toBe(deliveryId('a', ''));
    expect(deliveryId('a')).not.toBe(deliveryId('a', ''));
  });
});

describe('fallback text', () => {
  it('is the message text when it has words', () => {
    expect(fallbackTextOf({ text: 'Ticket **SUP-1** filed', card: { title: 'SUP-1', blocks: [] } })).toBe('Ticket **SUP-1** filed');
  });

  it('is the card’s title, else its first block with words, when the text is blank', () => {
    expect(fallbackTextOf({ text: ' ', card: { title: 'SUP-1 Login fails', blocks: [{ type: 'text', text: 'body' }] } })).toBe('SUP-1 Login fails');
    expect(cardWords({ blocks: [{ type: 'divider' }, { type: 'fields', fields: [{ label: 'Severity', value: 'S2' }, { label: 'System', value: 'crm' }] }] })).toBe(
      'Severity: S2 · System: crm',
    );
    expect(cardWords({ blocks: [{ type: 'image', url: 'https://x.example/c.png', alt: 'Chart' }] })).toBe('Chart');
  });

  it('is empty only for a message with neither text nor words on a card', () => {
    expect(fallbackTextOf({ text: '' })).toBe('');
    expect(fallbackTextOf({ text: '', card: { blocks: [{ type: 'divider' }] } })).toBe('');
  });
});
