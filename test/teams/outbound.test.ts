import { CloudAdapter } from 'botbuilder';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTeamsAuthentication } from '../../adapters/teams/auth.js';
import { createTeamsChatAdapter, TEAMS_LIMITS } from '../../adapters/teams/outbound.js';
import { SendError } from '../../src/core/ports.js';
import type { ConversationRef } from '../../src/core/types.js';
import { FakeConnector } from './fake-connector.js';

const connector = new FakeConnector();
const auth = createTeamsAuthentication({ appId: '', appPassword: '', appType: 'MultiTenant', requestTimeoutMs: 2000 });
const chat = createTeamsChatAdapter(new CloudAdapter(auth), '');

function channelRef(serviceUrl: string, threadId?: string): ConversationRef {
  return {
    platform: 'teams',
    tenantId: 'tenant-1',
    channelId: '19:ops@thread.tacv2',
    ...(threadId ? { threadId } : {}),
    native: {
      serviceUrl,
      channelId: 'msteams',
      bot: { id: '28:bot', name: 'Aftercare' },
      conversation: { id: '19:ops@thread.tacv2', conversationType: 'channel', tenantId: 'tenant-1', isGroup: true },
    },
  };
}

const card = { text: 'ALR-1 disk full on db1', card: { title: 'ALR-1 firing', tone: 'danger' as const, blocks: [{ type: 'text' as const, text: 'disk full' }] } };

beforeAll(async () => {
  await connector.start();
});
afterAll(async () => {
  await connector.stop();
});
beforeEach(() => {
  connector.calls.length = 0;
  connector.attempts = 0;
});

describe('Teams outbound adapter', () => {
  it('posts a card proactively as a new message in the stored conversation and returns its id', async () => {
    const sent = await chat.post(channelRef(connector.url), card);
    expect(connector.calls).toHaveLength(1);
    const call = connector.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.conversationId).toBe('19:ops@thread.tacv2');
    expect(call.activityId).toBeUndefined();
    expect(call.body).toMatchObject({
      type: 'message',
      summary: 'ALR-1 disk full on db1',
      from: { id: '28:bot' },
      conversation: { id: '19:ops@thread.tacv2' },
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', fallbackText: 'ALR-1 disk full on db1' } }],
    });
    expect(sent.messageId).toMatch(/^1:fake-\d+$/);
    expect(sent.conversation.channelId).toBe('19:ops@thread.tacv2');
  });

  it('posts into a channel thread when the reference names one', async () => {
    await chat.post(channelRef(connector.url, '1709287000000'), { text: 'hello thread' });
    expect(connector.calls[0]!.conversationId).toBe('19:ops@thread.tacv2;messageid=1709287000000');
    expect(connector.calls[0]!.body).toMatchObject({ type: 'message', text: 'hello thread', textFormat: 'markdown' });
  });

  it('updates a posted card in place with PUT on the same activity id', async () => {
    const sent = await chat.post(channelRef(connector.url), card);
    await chat.update(sent, { ...card, text: 'ALR-1 resolved', card: { ...card.card, title: 'ALR-1 resolved', tone: 'success' } });
    const put = connector.calls[1]!;
    expect(put.method).toBe('PUT');
    expect(put.activityId).toBe(sent.messageId);
    expect(put.body).toMatchObject({ id: sent.messageId, summary: 'ALR-1 resolved' });
  });

  it('turns a 429 into one retryable SendError with Retry-After, without retrying on its own', async () => {
    connector.failNext(1, 429, { 'retry-after': '3' });
    const err = await chat.post(channelRef(connector.url), card).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendError);
    expect(err).toMatchObject({ retryable: true, status: 429, retryAfterMs: 3000 });
    expect(connector.attempts).toBe(1);
    expect(connector.calls).toHaveLength(0);
  });

  for (const status of [412, 502, 503, 504]) {
    it(`treats ${status} as retryable and sends it once`, async () => {
      connector.failNext(1, status);
      const err = await chat.post(channelRef(connector.url), card).catch((e: unknown) => e);
      expect(err).toMatchObject({ retryable: true, status });
      expect(connector.attempts).toBe(1);
    });
  }

  it('treats 403 and 404 as final', async () => {
    connector.failNext(1, 403);
    await expect(chat.post(channelRef(connector.url), card)).rejects.toMatchObject({ retryable: false, status: 403 });
    connector.failNext(1, 404);
    await expect(chat.update({ conversation: channelRef(connector.url), messageId: '1:gone' }, card)).rejects.toMatchObject({ retryable: false, status: 404 });
  });

  it('treats an unreachable connector as retryable', async () => {
    const dead = new FakeConnector();
    await dead.start();
    const url = dead.url;
    await dead.stop();
    await expect(chat.post(channelRef(url), card)).rejects.toMatchObject({ retryable: true });
  });

  it('refuses, without retry, a conversation it has no stored reference for', async () => {
    await expect(chat.post({ platform: 'teams', tenantId: 't', channelId: '19:x' }, card)).rejects.toMatchObject({ retryable: false });
  });

  it('declares pacing inside Teams per-thread and per-app-per-tenant limits', () => {
    const { perConversationPerSecond: rate, perConversationBurst: burst, perAppPerSecond } = TEAMS_LIMITS;
    expect(burst + rate).toBeLessThanOrEqual(7); // 7 per second
    expect(burst + rate * 30).toBeLessThanOrEqual(60); // 60 per 30 s
    expect(rate * 3600).toBeLessThanOrEqual(1800); // 1,800 per hour sustained
    expect(perAppPerSecond).toBeLessThanOrEqual(30);
  });
});
