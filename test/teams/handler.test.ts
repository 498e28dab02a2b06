import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../src/core/types.js';
import { FakeConnector } from './fake-connector.js';
import { fixture } from './fixtures.js';
import { postActivity, startTeamsModule } from './module-server.js';
import { StubCore } from './stub-core.js';

const connector = new FakeConnector();
const core = new StubCore();
let server: Awaited<ReturnType<typeof startTeamsModule>>;
let seq = 0;

function message(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const raw = fixture('message');
  raw.serviceUrl = connector.url;
  raw.id = `17092870${String(++seq).padStart(5, '0')}`;
  raw.text = text;
  return { ...raw, ...extra };
}

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ticketCard = (state: string) => ({
  text: `SUP-1 ${state}`,
  card: { title: `SUP-1 ${state}`, blocks: [{ type: 'actions' as const, buttons: [{ actionId: 'issue.ack', label: 'Ack', value: 'SUP-1' }] }] },
});

beforeAll(async () => {
  await connector.start();
  server = await startTeamsModule({ appId: '', appPassword: '', appType: 'MultiTenant', requestTimeoutMs: 3000, invokeBudgetMs: 300 }, core);
});
afterAll(async () => {
  await server.stop();
  await connector.stop();
});
beforeEach(() => {
  connector.calls.length = 0;
  connector.attempts = 0;
  core.processed.length = 0;
  server.handedOver.length = 0;
  core.respond = (event) => ({ messages: [{ text: `ran ${event.kind === 'command' ? `${event.command} ${event.text}` : event.kind}` }], locale: 'en' });
});

describe('Teams endpoint with a stub core (local-test mode)', () => {
  it('warns at start that requests are not authenticated without an app id', () => {
    expect(server.logs.some((l) => l.includes('"level":"warn"') && l.includes('MICROSOFT_APP_ID'))).toBe(true);
  });

  it('answers a command message and replies in the same conversation, threaded to the message', async () => {
    const activity = message('/faq vpn');
    const res = await postActivity(server.url, activity);
    expect(res.status).toBe(200);
    await connector.waitForCalls(1);
    const reply = connector.calls[0]!;
    expect(reply.method).toBe('POST');
    expect(reply.conversationId).toBe((activity.conversation as { id: string }).id);
    expect(reply.activityId).toBe(activity.id);
    expect(reply.body).toMatchObject({ type: 'message', text: 'ran faq vpn', replyToId: activity.id });
    expect(core.remembered.size).toBeGreaterThan(0);
  });

  it('handles a redelivered activity once', async () => {
    const activity = message('issue list');
    await postActivity(server.url, activity);
    await postActivity(server.url, activity);
    await connector.waitForCalls(1);
    await new Promise((r) => setTimeout(r, 150));
    expect(core.processed).toHaveLength(1);
    expect(connector.calls).toHaveLength(1);
  });

  it('answers an Action.Execute invoke synchronously with the replaced card, then posts the messages', async () => {
    core.respond = () => ({ replace: ticketCard('acknowledged'), messages: [{ text: 'Megan acknowledged SUP-1' }], locale: 'en' });
    const raw = fixture('invoke.adaptive_card_action_execute');
    raw.serviceUrl = connector.url;
    raw.value = { action: { type: 'Action.Execute', verb: 'issue.ack', data: { aftercare: { actionId: 'issue.ack', value: 'SUP-1' } } }, trigger: 'manual' };
    const res = await postActivity(server.url, raw);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.card.adaptive',
      value: { type: 'AdaptiveCard', version: '1.5', fallbackText: 'SUP-1 acknowledged' },
    });
    expect((core.processed[0] as Extract<InboundEvent, { kind: 'action' }>)).toMatchObject({ actionId: 'issue.ack', value: 'SUP-1', messageId: '1709287200000' });
    await connector.waitForCalls(1);
    expect(connector.calls[0]!.body).toMatchObject({ text: 'Megan acknowledged SUP-1' });
  });

  it('answers an invoke with no card to replace with a short localized message', async () => {
    core.respond = () => ({ messages: [], locale: 'zh-CN' });
    const raw = fixture('invoke.adaptive_card_action_execute');
    raw.serviceUrl = connector.url;
    raw.id = 'f:invoke-zh';
    raw.value = { action: { type: 'Action.Execute', verb: 'survey.answer', data: { aftercare: { actionId: 'survey.answer', value: 'SVY-1:5' } } } };
    const res = await postActivity(server.url, raw);
    expect(res.body).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: '已完成。' });
  });

  it('answers a slow card click with "working on it" in time and updates the card when the work is done', async () => {
    core.respond = async () => {
      await new Promise((r) => setTimeout(r, 1500));
      return { replace: ticketCard('escalated'), messages: [], locale: 'en' };
    };
    const raw = fixture('invoke.adaptive_card_action_execute');
    raw.serviceUrl = connector.url;
    raw.id = 'f:slow-invoke';
    raw.value = { action: { type: 'Action.Execute', verb: 'escalate.start', data: { aftercare: { actionId: 'escalate.start', value: 'SUP-1' } } } };
    const res = await postActivity(server.url, raw);
    expect(res.ms).toBeLessThan(1200);
    expect(res.body).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Working on it…' });
    await connector.waitForCalls(1, 5000);
    expect(connector.calls[0]).toMatchObject({ method: 'PUT', activityId: '1709287200000', body: { summary: 'SUP-1 escalated' } });
  });

  it('updates the card in place when a legacy Action.Submit click replaces it', async () => {
    core.respond = () => ({ replace: ticketCard('resolved'), messages: [], locale: 'en' });
    const raw = fixture('message.action_submit');
    raw.serviceUrl = connector.url;
    raw.id = 'submit-1';
    raw.value = { aftercare: { actionId: 'issue.resolve', value: 'SUP-1' } };
    expect((await postActivity(server.url, raw)).status).toBe(200);
    await connector.waitForCalls(1);
    expect(connector.calls[0]).toMatchObject({ method: 'PUT', activityId: '1709287200000', body: { summary: 'SUP-1 resolved' } });
  });

  it('greets a team channel with help when the bot is added, and remembers the channel', async () => {
    core.respond = (event) => ({ messages: [{ text: `help for ${event.kind === 'command' ? event.text : ''}` }], locale: 'en' });
    const raw = fixture('conversation_update.members_added');
    raw.serviceUrl = connector.url;
    expect((await postActivity(server.url, raw)).status).toBe(200);
    await connector.waitForCalls(1);
    expect(core.processed[0]).toMatchObject({ kind: 'command', command: 'aftercare', text: 'help' });
    expect(connector.calls[0]).toMatchObject({ conversationId: '19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2', body: { text: 'help for help' } });
    expect(core.remembered.get('teams:b28fdbfd-2b78-4f93-b0f8-8881793f0f8f:19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2')).toBeDefined();
  });

  it('greets a newly created channel with a new post there', async () => {
    const raw = fixture('conversation_update.members_added');
    raw.serviceUrl = connector.url;
    raw.id = 'f:channel-created';
    delete raw.membersAdded;
    Object.assign(raw.channelData as Record<string, unknown>, { eventType: 'channelCreated', channel: { id: '19:brand-new@thread.tacv2', name: 'Support' } });
    expect((await postActivity(server.url, raw)).status).toBe(200);
    await connector.waitForCalls(1);
    expect(connector.calls[0]).toMatchObject({ method: 'POST', conversationId: '19:brand-new@thread.tacv2', body: { text: 'ran aftercare help' } });
    expect(connector.calls[0]!.activityId).toBeUndefined();
    expect(core.remembered.get('teams:b28fdbfd-2b78-4f93-b0f8-8881793f0f8f:19:brand-new@thread.tacv2')).toBeDefined();
  });

  it('refuses a malformed activity with 400 before it reaches the SDK, storing nothing', async () => {
    const before = core.claimed.size;
    expect((await postActivity(server.url, { type: 'message', text: 'hi' })).status).toBe(400);
    expect((await postActivity(server.url, 'not json')).status).toBe(400);
    expect(core.claimed.size).toBe(before);
  });

  it('hands a reply the connector throttles to the outbox after one attempt in the turn, without retrying in place', async () => {
    connector.failNext(1, 429, { 'retry-after': '3' });
    const activity = message('digest week');
    await postActivity(server.url, activity);
    await waitFor(() => server.handedOver.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(connector.attempts).toBe(1);
    expect(connector.calls).toHaveLength(0);
    expect(server.handedOver).toHaveLength(1);
    expect(server.handedOver[0]!.messages).toEqual([{ text: 'ran digest week' }]);
    expect(server.handedOver[0]!.conversation).toMatchObject({ platform: 'teams', channelId: (activity.conversation as { id: string }).id, direct: true });
    expect(server.logs.some((l) => l.includes('handed to the outbox') && l.includes('429'))).toBe(true);
  });

  it('keeps the order of a reply: messages sent in the turn stay sent, the failed one and those after it go to the outbox', async () => {
    core.respond = () => ({ messages: [{ text: 'one' }, { text: 'two' }, { text: 'three' }], locale: 'en' });
    connector.failNext(1, 503, undefined, (path) => connector.attempts > 1 && path.includes('/activities/'));
    await postActivity(server.url, message('faq printers'));
    await waitFor(() => server.handedOver.length > 0);
    await new Promise((r) => setTimeout(r, 150));
    expect(connector.calls.map((c) => c.body.text)).toEqual(['one']);
    expect(server.handedOver.map((h) => h.messages)).toEqual([[{ text: 'two' }, { text: 'three' }]]);
  });

  it('posts through the outbox the new card of a legacy Action.Submit when the in-place update fails', async () => {
    core.respond = () => ({ replace: ticketCard('resolved'), messages: [{ text: 'resolved by Megan' }], locale: 'en' });
    connector.failNext(1, 502);
    const raw = fixture('message.action_submit');
    raw.serviceUrl = connector.url;
    raw.id = 'submit-502';
    raw.value = { aftercare: { actionId: 'issue.resolve', value: 'SUP-1' } };
    expect((await postActivity(server.url, raw)).status).toBe(200);
    await waitFor(() => server.handedOver.length > 0);
    expect(connector.attempts).toBe(1);
    expect(connector.calls).toHaveLength(0);
    expect(server.handedOver[0]!.messages).toEqual([ticketCard('resolved'), { text: 'resolved by Megan' }]);
  });

  it('still answers a card click synchronously while the connector fails, and queues the follow-up message', async () => {
    core.respond = () => ({ replace: ticketCard('acknowledged'), messages: [{ text: 'Eve acknowledged SUP-1' }], locale: 'en' });
    connector.failNext(1, 503);
    const raw = fixture('invoke.adaptive_card_action_execute');
    raw.serviceUrl = connector.url;
    raw.id = 'f:invoke-503';
    raw.value = { action: { type: 'Action.Execute', verb: 'issue.ack', data: { aftercare: { actionId: 'issue.ack', value: 'SUP-1' } } } };
    const res = await postActivity(server.url, raw);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { fallbackText: 'SUP-1 acknowledged' } });
    await waitFor(() => server.handedOver.length > 0);
    expect(server.handedOver[0]!.messages).toEqual([{ text: 'Eve acknowledged SUP-1' }]);
    expect(connector.calls).toHaveLength(0);
  });

  it('drops a reply the connector refuses for good (403) instead of queueing it', async () => {
    core.respond = () => ({ messages: [{ text: 'refused' }, { text: 'accepted' }], locale: 'en' });
    connector.failNext(1, 403);
    await postActivity(server.url, message('faq vpn'));
    await connector.waitForCalls(1);
    await new Promise((r) => setTimeout(r, 150));
    expect(connector.calls.map((c) => c.body.text)).toEqual(['accepted']);
    expect(server.handedOver).toHaveLength(0);
    expect(server.logs.some((l) => l.includes('"level":"error"') && l.includes('refused a reply'))).toBe(true);
  });

  it('acknowledges a message before slow work finishes', async () => {
    core.respond = async () => {
      await new Promise((r) => setTimeout(r, 1500));
      return { messages: [{ text: 'slow answer' }], locale: 'en' };
    };
    const res = await postActivity(server.url, message('digest month'));
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(1000);
    await connector.waitForCalls(1, 5000);
    expect(connector.calls[0]!.body).toMatchObject({ text: 'slow answer' });
  });
});
