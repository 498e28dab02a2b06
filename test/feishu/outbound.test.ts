import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFeishuApi, isLark, sdkDomain } from '../../adapters/feishu/api.js';
import { createFeishuAdapter } from '../../adapters/feishu/outbound.js';
import { createLogger } from '../../src/core/log.js';
import { SendError } from '../../src/core/ports.js';
import type { ConversationRef } from '../../src/core/types.js';
import { FAKE_TENANT_TOKEN, isCreate, startFakeOpenApi, type FakeOpenApi } from './fake-open-api.js';

const silent = createLogger({ sink: () => undefined });
const chat: ConversationRef = { platform: 'feishu', tenantId: 't1', channelId: 'oc_chat1', native: { receiveIdType: 'chat_id' } };
const ticket = {
  text: 'SUP-1 Login fails',
  card: { title: 'SUP-1 Login fails', tone: 'warning' as const, blocks: [{ type: 'actions' as const, buttons: [{ actionId: 'issue.ack', label: 'Ack', value: 'SUP-1' }] }] },
};

let fake: FakeOpenApi;
beforeEach(async () => {
  fake = await startFakeOpenApi();
});
afterEach(async () => {
  await fake.close();
});

const adapterFor = (timeoutMs?: number) =>
  createFeishuAdapter(createFeishuApi({ appId: 'cli_test', appSecret: 'secret-1', domain: fake.url, log: silent, timeoutMs }), { defaultLocale: 'zh-CN' });

async function rejection(p: Promise<unknown>): Promise<SendError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SendError);
  return e as SendError;
}

describe('Feishu outbound through the SDK client', () => {
  it('posts a card to the chat with a tenant token fetched once and cached', async () => {
    const adapter = adapterFor();
    const first = await adapter.post(chat, ticket);
    const second = await adapter.post(chat, { text: 'hello' });
    expect(first).toEqual({ conversation: chat, messageId: 'om_fake000001' });
    expect(second.messageId).toBe('om_fake000002');
    expect(fake.tokenRequests()).toBe(1);
    const creates = fake.requests.filter(isCreate);
    expect(creates.map((r) => r.headers.authorization)).toEqual([`Bearer ${FAKE_TENANT_TOKEN}`, `Bearer ${FAKE_TENANT_TOKEN}`]);
    expect(creates[0]!.query).toEqual({ receive_id_type: 'chat_id' });
    expect(creates[0]!.body).toMatchObject({ receive_id: 'oc_chat1', msg_type: 'interactive' });
    expect(fake.created()[0]!.content).toMatchObject({ schema: '2.0', header: { template: 'orange' }, config: { summary: { content: 'SUP-1 Login fails' } } });
  });

  it('addresses a user by open_id when the conversation came from the bot menu', async () => {
    await adapterFor().post({ platform: 'feishu', tenantId: 't1', channelId: 'ou_user', direct: true, native: { receiveIdType: 'open_id' } }, { text: 'hi' });
    expect(fake.created()[0]).toMatchObject({ receive_id: 'ou_user', receive_id_type: 'open_id' });
  });

  it('updates a posted card in place with im.v1.message.patch', async () => {
    const adapter = adapterFor();
    const sent = await adapter.post(chat, ticket);
    await adapter.update(sent, { text: 'SUP-1 acknowledged', card: { title: 'SUP-1 acked', tone: 'success', blocks: [] } });
    expect(fake.patched()).toEqual([{ message_id: sent.messageId, content: expect.objectContaining({ header: expect.objectContaining({ template: 'green' }) }) }]);
  });

  it('sends an idempotency key as uuid so a retried create is stored once', async () => {
    const adapter = adapterFor();
    const a = await adapter.post(chat, ticket, { idempotencyKey: 'push:ticket:SUP-1:oc_chat1' });
    const b = await adapter.post(chat, ticket, { idempotencyKey: 'push:ticket:SUP-1:oc_chat1' });
    expect(b.messageId).toBe(a.messageId);
    expect(fake.created()).toHaveLength(1);
    expect((fake.requests.find(isCreate)!.body as { uuid: string }).uuid).toMatch(/^[0-9a-f]{32}$/);
  });

  it('throws a retryable SendError with the reset delay on HTTP 429 code 99991400, without retrying itself', async () => {
    fake.failNext(isCreate, { status: 429, body: { code: 99991400, msg: 'request trigger frequency limit' }, headers: { 'x-ogw-ratelimit-reset': '2' } });
    const e = await rejection(adapterFor().post(chat, ticket));
    expect(e).toMatchObject({ retryable: true, retryAfterMs: 2000, status: 429 });
    expect(fake.requests.filter(isCreate)).toHaveLength(1);
    expect(fake.created()).toHaveLength(0);
  });

  it('treats an HTTP 200 answer with the rate-limit code as retryable too', async () => {
    fake.failNext(isCreate, { status: 200, body: { code: 99991400, msg: 'rate limited' } });
    expect(await rejection(adapterFor().post(chat, ticket))).toMatchObject({ retryable: true, retryAfterMs: 1000 });
  });

  it('retries 5xx and timeouts but not a refused request', async () => {
    fake.failNext(isCreate, { status: 502, body: 'bad gateway' });
    expect(await rejection(adapterFor().post(chat, ticket))).toMatchObject({ retryable: true, status: 502 });
    fake.failNext(isCreate, { status: 400, body: { code: 230001, msg: 'invalid receive_id' } });
    const refused = await rejection(adapterFor().post(chat, ticket));
    expect(refused).toMatchObject({ retryable: false, status: 400 });
    expect(refused.message).toContain('invalid receive_id');
    fake.failNext(isCreate, { status: 200, body: {}, delayMs: 500 });
    expect(await rejection(adapterFor(100).post(chat, ticket))).toMatchObject({ retryable: true });
  });

  it('drops a refused tenant token so the next attempt fetches a fresh one', async () => {
    const adapter = adapterFor();
    await adapter.post(chat, { text: 'warm the token cache' });
    fake.failNext(isCreate, { status: 400, body: { code: 99991663, msg: 'Invalid access token for authorization.' } });
    expect(await rejection(adapter.post(chat, ticket))).toMatchObject({ retryable: true });
    await adapter.post(chat, ticket);
    expect(fake.tokenRequests()).toBe(2);
    expect(fake.created()).toHaveLength(2);
  });

  it('maps FEISHU_DOMAIN feishu, lark or a URL to the SDK domain and language', () => {
    expect(sdkDomain('feishu')).toBe(0);
    expect(sdkDomain('lark')).toBe(1);
    expect(sdkDomain('http://127.0.0.1:9/')).toBe('http://127.0.0.1:9');
    expect([isLark('feishu'), isLark('lark'), isLark('https://open.larksuite.com')]).toEqual([false, true, true]);
  });
});
