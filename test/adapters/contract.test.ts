import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SendError } from '../../src/core/ports.js';
import type { Card, OutboundMessage } from '../../src/core/types.js';
import { platforms, type Delivered, type Platform } from './platforms.js';

/**
 * The contract every adapter keeps, whatever its platform: each block of the card model shows,
 * a fallback text always travels, the bot's own messages are not commands, a ConversationRef
 * survives JSON, failures are classified for the outbox, and a sent message is edited in place.
 */

const IMAGE_URL = 'https://img.example.com/zeta-chart.png';

/** One card with every block type, each carrying a word that must reach the platform. */
const everyBlock: Card = {
  blocks: [
    { type: 'text', text: '**Alpha** text with a [link](https://example.com/alpha)' },
    { type: 'fields', fields: [{ label: 'Beta label', value: 'Beta value' }] },
    { type: 'context', text: 'Gamma context' },
    { type: 'divider' },
    { type: 'actions', buttons: [{ actionId: 'issue.ack', label: 'Delta button', value: 'SUP-1', style: 'primary' }] },
    {
      type: 'form',
      formId: 'issue.create',
      submitLabel: 'Epsilon submit',
      inputs: [{ id: 'title', label: 'Epsilon input', kind: 'text', required: true }],
    },
    { type: 'image', url: IMAGE_URL, alt: 'Zeta chart' },
  ],
};
const WORDS = ['Alpha', 'Beta label', 'Beta value', 'Gamma context', 'Delta button', 'Epsilon input', 'Epsilon submit', IMAGE_URL];

/** Asserts that `sending` fails with a SendError like `expected`. */
async function expectSendError(sending: Promise<unknown>, expected: Partial<SendError>): Promise<void> {
  await expect(sending).rejects.toBeInstanceOf(SendError);
  await expect(sending).rejects.toMatchObject(expected);
}

const posts = async (platform: Platform): Promise<Delivered[]> => (await platform.delivered()).filter((d) => d.kind === 'post');

describe.each(platforms)('the $name adapter', (row) => {
  let platform: Platform;
  beforeEach(async () => {
    platform = await row.start();
  });
  afterEach(async () => {
    await platform.close();
  });

  it('renders every block type of the card model, each visible in what the platform receives', async () => {
    await platform.adapter.post(platform.ref, { text: 'Every block', card: everyBlock });
    const [sent] = await posts(platform);
    for (const word of WORDS) expect(sent!.content, word).toContain(word);
    expect(row.hasDivider(sent!.content)).toBe(true);
  });

  it('always sends fallback text, the card’s own words when the message text is blank', async () => {
    await platform.adapter.post(platform.ref, { text: 'Ticket SUP-9 filed', card: everyBlock });
    await platform.adapter.post(platform.ref, { text: '', card: everyBlock });
    await platform.adapter.post(platform.ref, { text: ' ', card: { blocks: [{ type: 'divider' }, everyBlock.blocks[4]!] } });
    const [withText, cardOnly, buttonsOnly] = await posts(platform);
    expect(withText!.fallback).toContain('SUP-9');
    expect(cardOnly!.fallback).toContain('Alpha');
    expect(buttonsOnly!.fallback).toContain('Delta button');
  });

  it('never makes a link of anything but http(s): a javascript: button is dropped, a data: image shows its alt text', async () => {
    const hostile: Card = {
      blocks: [
        { type: 'actions', buttons: [{ actionId: 'link.source', label: 'Source', url: 'javascript:alert(1)' }, { actionId: 'link.source', label: 'Runbook', url: 'https://example.com/runbook' }] },
        { type: 'image', url: 'data:image/png;base64,AAAA', alt: 'Eta chart' },
      ],
    };
    await platform.adapter.post(platform.ref, { text: 'Links', card: hostile });
    const [sent] = await posts(platform);
    expect(sent!.content).not.toContain('javascript:');
    expect(sent!.content).not.toContain('data:image');
    expect(sent!.content).toContain('https://example.com/runbook');
    expect(sent!.content).toContain('Eta chart');
  });

  it('ignores its own messages while taking the same message from a person as a command', () => {
    expect(row.inbound.fromPerson()).toMatchObject({ kind: 'command' });
    expect(row.inbound.fromBot()).toBeUndefined();
  });

  it('reaches the same conversation with a ConversationRef that went through JSON', async () => {
    const revived = JSON.parse(JSON.stringify(platform.ref)) as typeof platform.ref;
    const direct = await platform.adapter.post(platform.ref, { text: 'as given' });
    const stored = await platform.adapter.post(revived, { text: 'after JSON' });
    const [first, second] = await posts(platform);
    expect(second!.conversation).toBe(first!.conversation);
    expect(second!.conversation).toBe(platform.ref.channelId);
    expect(JSON.parse(JSON.stringify(stored.conversation))).toEqual(JSON.parse(JSON.stringify(direct.conversation)));
  });

  it('updates a sent message in place, through the SentRef the post returned', async () => {
    const sent = await platform.adapter.post(platform.ref, { text: 'SUP-1 open', card: { title: 'SUP-1 open', blocks: [] } });
    const revived = JSON.parse(JSON.stringify(sent)) as typeof sent;
    await platform.adapter.update(revived, { text: 'SUP-1 acknowledged', card: { title: 'SUP-1 acknowledged', blocks: [] } });
    const delivered = await platform.delivered();
    const updates = delivered.filter((d) => d.kind === 'update');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ messageId: sent.messageId, conversation: platform.ref.channelId });
    expect(updates[0]!.content).toContain('SUP-1 acknowledged');
    expect(new Set(delivered.map((d) => d.messageId))).toEqual(new Set([sent.messageId]));
  });

  if (row.rateLimitHeader) {
    const message: OutboundMessage = { text: 'SUP-1 filed', card: everyBlock };

    it('classifies a 429 as retryable after the delay the platform asked for', async () => {
      platform.answerNext!(429, { [row.rateLimitHeader!]: '2' });
      await expectSendError(platform.adapter.post(platform.ref, message), { retryable: true, retryAfterMs: 2000, status: 429, code: 'rate_limited' });
    });

    it('classifies a 5xx as retryable', async () => {
      platform.answerNext!(503);
      await expectSendError(platform.adapter.post(platform.ref, message), { retryable: true, status: 503, code: 'server_error' });
    });

    it('classifies another 4xx as final', async () => {
      platform.answerNext!(400);
      await expectSendError(platform.adapter.post(platform.ref, message), { retryable: false, status: 400, code: 'refused' });
      expect(await posts(platform)).toHaveLength(0);
    });
  } else {
    it('classifies a platform it cannot write to as retryable, having no HTTP answers to classify', async () => {
      platform.breakNext!();
      await expectSendError(platform.adapter.post(platform.ref, { text: 'SUP-1 filed' }), { retryable: true, code: 'server_error', cause: expect.any(Error) });
      expect(await posts(platform)).toHaveLength(0);
    });
  }
});
