import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackAdapter } from '../../adapters/slack/outbound.js';
import { createWebClient } from '../../adapters/slack/web-api.js';
import { createLogger } from '../../src/core/log.js';
import { SendError } from '../../src/core/ports.js';
import type { ConversationRef, OutboundMessage } from '../../src/core/types.js';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';

const log = createLogger({ level: 'error', sink: () => undefined });
const channel: ConversationRef = { platform: 'slack', tenantId: 'T1', channelId: 'C1' };
const card: OutboundMessage = {
  text: 'Ticket **SUP-1** filed',
  card: { title: 'SUP-1 Login fails', tone: 'warning', blocks: [{ type: 'actions', buttons: [{ actionId: 'issue.ack', label: 'Ack', value: 'SUP-1' }] }] },
};

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.calls.length = 0;
});

function adapter() {
  return createSlackAdapter({ client: createWebClient('xoxb-test-token', fake.apiUrl, log), locale: 'en' });
}

async function failure(p: Promise<unknown>): Promise<SendError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SendError);
  return e as SendError;
}

describe('Slack outbound adapter', () => {
  it('posts a card with its blocks and fallback text, authenticated with the bot token', async () => {
    const sent = await adapter().post(channel, card);
    const [call] = fake.callsTo('chat.postMessage');
    expect(call!.headers.authorization).toBe('Bearer xoxb-test-token');
    expect(call!.body).toMatchObject({ channel: 'C1', text: 'Ticket *SUP-1* filed' });
    expect(call!.body.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: '⚠️ SUP-1 Login fails', emoji: true } },
      { type: 'actions', elements: [{ type: 'button', action_id: 'issue.ack', text: { type: 'plain_text', text: 'Ack', emoji: true }, value: 'SUP-1' }] },
    ]);
    expect(sent).toMatchObject({ conversation: channel, native: { channel: 'C1' } });
    expect(sent.messageId).toMatch(/^\d+\.\d+$/);
  });

  it('updates a posted message in place with chat.update on the channel Slack posted into', async () => {
    const a = adapter();
    const sent = await a.post({ ...channel, channelId: 'U42', direct: true }, card);
    await a.update(sent, { text: 'Acked by <@slack:U9>' });
    const [update] = fake.callsTo('chat.update');
    expect(update!.body).toMatchObject({ channel: 'D42', ts: sent.messageId, text: 'Acked by &lt;@slack:U9&gt;' });
  });

  it('posts ephemeral messages only to their audience', async () => {
    await adapter().post(channel, { text: 'only you', visibility: 'ephemeral', audience: { platform: 'slack', id: 'U7' } });
    expect(fake.callsTo('chat.postEphemeral')[0]!.body).toMatchObject({ channel: 'C1', user: 'U7', text: 'only you' });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('replies in a thread when the conversation names one', async () => {
    await adapter().post({ ...channel, threadId: '1700000000.000100' }, { text: 'in thread' });
    expect(fake.callsTo('chat.postMessage')[0]!.body).toMatchObject({ thread_ts: '1700000000.000100' });
  });

  it('turns a 429 into a retryable error carrying Retry-After, without retrying by itself', async () => {
    fake.script('chat.postMessage', { status: 429, headers: { 'Retry-After': '7' }, body: { ok: false, error: 'ratelimited' } });
    const e = await failure(adapter().post(channel, card));
    expect(e).toMatchObject({ retryable: true, retryAfterMs: 7000, status: 429 });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('turns a 5xx into a retryable error after one attempt', async () => {
    fake.script('chat.postMessage', { status: 503, body: 'unavailable' });
    const e = await failure(adapter().post(channel, card));
    expect(e).toMatchObject({ retryable: true, status: 503 });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('treats Slack refusals such as channel_not_found as final', async () => {
    fake.script('chat.postMessage', { body: { ok: false, error: 'channel_not_found' } });
    const e = await failure(adapter().post(channel, card));
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('channel_not_found');
  });

  it('treats an unreachable Web API as retryable', async () => {
    const dead = createSlackAdapter({ client: createWebClient('xoxb-x', 'http://127.0.0.1:9/api/', log), locale: 'en' });
    const e = await failure(dead.post(channel, card));
    expect(e.retryable).toBe(true);
  });

  it('declares Slack pacing of about one message per second per channel with short bursts', () => {
    const { limits, capabilities } = adapter();
    expect(limits.perConversationPerSecond).toBe(1);
    expect(limits.perConversationBurst).toBeGreaterThan(1);
    expect(capabilities).toEqual({ ephemeral: true, updateInPlace: true, modals: true, images: true });
  });
});
