import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFeishuModule } from '../../adapters/feishu/index.js';
import { createLogger } from '../../src/core/log.js';
import { conversationKey, type CoreApi, type PlatformContext, type Reply } from '../../src/core/ports.js';
import type { ConversationRef, InboundEvent, OutboundMessage } from '../../src/core/types.js';
import { scriptedPipeline } from '../helpers/scripted-pipeline.js';
import { startFakeOpenApi, type FakeOpenApi } from './fake-open-api.js';
import { APP_ID, cardAction, deliver, ENCRYPT_KEY, messageEvent, VERIFICATION_TOKEN, type FeishuUser } from './feishu-events.js';

/**
 * The module alone on an express app, with a scripted core: the timing paths of card callbacks
 * and event acknowledgement, which the real commands are too fast to exercise.
 */
const USER: FeishuUser = { openId: 'ou_user0000000000000000000000000001', name: 'Tom' };
const OTHER: FeishuUser = { openId: 'ou_other000000000000000000000000002', name: 'Ann' };
const CHAT = 'oc_chat00000000000000000000000001';

class ScriptedCore implements CoreApi {
  claimed = new Set<string>();
  processed: InboundEvent[] = [];
  remembered = new Map<string, ConversationRef>();
  failAccept = false;
  respond: (event: InboundEvent) => Promise<Reply> = async () => ({ messages: [], locale: 'en' });
  async accept(event: InboundEvent) {
    if (this.failAccept) throw new Error('store unreachable');
    if (this.claimed.has(event.id)) return false;
    this.claimed.add(event.id);
    return true;
  }
  async process(event: InboundEvent) {
    this.processed.push(event);
    return this.respond(event);
  }
  async localeFor() {
    return 'zh-CN' as const;
  }
  async rememberConversation(ref: ConversationRef) {
    this.remembered.set(conversationKey(ref), ref);
  }
  async conversation(key: string) {
    return this.remembered.get(key);
  }
  async rememberAlias() {}
  async aliasOf() {
    return undefined;
  }
}

let fake: FakeOpenApi;
let server: Server;
let url: string;
let core: ScriptedCore;
let queued: Array<{ to: ConversationRef; message: OutboundMessage }>;

async function boot(domain?: string, start = true) {
  core = new ScriptedCore();
  queued = [];
  const ctx: PlatformContext = {
    core,
    inbound: scriptedPipeline(core),
    log: createLogger({ sink: () => undefined }),
    publicUrl: 'http://localhost',
    defaultLocale: 'en',
    metric: () => undefined,
    deliverLater: async (to, messages) => {
      for (const message of messages) queued.push({ to, message });
    },
  };
  const mod = await createFeishuModule(
    { appId: APP_ID, appSecret: 'secret', verificationToken: VERIFICATION_TOKEN, encryptKey: ENCRYPT_KEY, domain: domain ?? fake.url },
    ctx,
    { callbackBudgetMs: 150 },
  );
  const app = express();
  mod.mount(app);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (start) await mod.start?.();
  return mod;
}

beforeEach(async () => {
  fake = await startFakeOpenApi();
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fake.close();
});

describe('Feishu module timing and routing', () => {
  it('acknowledges a command event before the command has run, then queues the reply', async () => {
    await boot();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    core.respond = async () => {
      await gate;
      return { messages: [{ text: 'done' }], locale: 'en' };
    };
    const res = await deliver(url, '/feishu/events', messageEvent(USER, CHAT, 'group', 'issue slow one'));
    expect(res).toMatchObject({ status: 200, body: {} });
    expect(queued).toHaveLength(0);
    release();
    await expect.poll(() => queued.length).toBe(1);
    expect(queued[0]).toMatchObject({ to: { channelId: CHAT }, message: { text: 'done' } });
  });

  it('answers a slow card callback with a toast in both languages, then edits the card through the API', async () => {
    await boot();
    core.respond = async () => {
      await new Promise((r) => setTimeout(r, 400));
      return { replace: { text: 'acked', card: { title: 'SUP-1 acked', tone: 'success', blocks: [] } }, messages: [{ text: 'SUP-1 was acknowledged' }], locale: 'en' };
    };
    const res = await deliver(url, '/feishu/cards', cardAction(USER, CHAT, 'om_card1', { a: 'issue.ack', v: 'SUP-1' }));
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(400);
    expect(res.body).toEqual({ toast: { type: 'info', content: '正在处理…', i18n: { zh_cn: '正在处理…', en_us: 'Working on it…' } } });
    await expect.poll(() => fake.patched().length).toBe(1);
    expect(fake.patched()[0]).toMatchObject({ message_id: 'om_card1', content: { header: { template: 'green' } } });
    await expect.poll(() => queued.map((q) => q.message.text)).toEqual(['SUP-1 was acknowledged']);
  });

  it('answers a fast card callback with the replaced card and turns an only-you note into a toast', async () => {
    await boot();
    core.respond = async () => ({
      replace: { text: 'thanks', card: { blocks: [{ type: 'text', text: 'Thanks!' }] } },
      messages: [{ text: '⚠️ **Not allowed**', visibility: 'ephemeral' }, { text: 'for the group' }],
      locale: 'en',
    });
    const res = await deliver(url, '/feishu/cards', cardAction(USER, CHAT, 'om_card2', { a: 'survey.answer', v: 'SVY-1:5' }));
    expect(res.body).toMatchObject({
      card: { type: 'raw', data: { schema: '2.0', body: { elements: [{ tag: 'markdown', content: 'Thanks!' }] } } },
      toast: { type: 'error', content: '⚠️ Not allowed' },
    });
    await expect.poll(() => queued.map((q) => q.message.text)).toEqual(['for the group']);
    expect(fake.patched()).toHaveLength(0);
    expect(core.processed[0]).toMatchObject({ kind: 'action', actionId: 'survey.answer', value: 'SVY-1:5', messageId: 'om_card2' });
  });

  it('learns its own open_id at start, so a group message mentioning someone else is ignored', async () => {
    await boot();
    expect(fake.requests.some((r) => r.path === '/open-apis/bot/v3/info')).toBe(true);
    const event = messageEvent(USER, CHAT, 'p2p', '@Ann hello', [OTHER]);
    event.event.message = { ...(event.event.message as object), chat_type: 'group' };
    const res = await deliver(url, '/feishu/events', event);
    expect(res.status).toBe(200);
    expect(core.claimed.size).toBe(0);
    await deliver(url, '/feishu/events', messageEvent(USER, CHAT, 'group', 'faq vpn'));
    await expect.poll(() => core.processed.length).toBe(1);
    expect(core.processed[0]).toMatchObject({ command: 'faq', text: 'vpn' });
  });

  it('answers 500 when the delivery cannot be stored, so Feishu sends it again', async () => {
    await boot();
    core.failAccept = true;
    const res = await deliver(url, '/feishu/events', messageEvent(USER, CHAT, 'group', 'issue x'));
    expect(res.status).toBe(500);
  });

  it('acknowledges event types it does not handle with an empty 200', async () => {
    await boot();
    const res = await deliver(url, '/feishu/events', { schema: '2.0', header: { event_id: 'e-unknown', event_type: 'im.chat.updated_v1', token: VERIFICATION_TOKEN }, event: {} });
    expect(res).toMatchObject({ status: 200, body: {} });
    expect(core.claimed.size).toBe(0);
  });

  it('sets the actor locale to zh-CN on Feishu and en on Lark', async () => {
    await boot();
    await deliver(url, '/feishu/events', messageEvent(USER, CHAT, 'p2p', 'aftercare help'));
    await expect.poll(() => core.processed.length).toBe(1);
    expect(core.processed[0]!.actor.locale).toBe('zh-CN');
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await boot('https://open.larksuite.com', false); // no start(): nothing may leave the machine
    await deliver(url, '/feishu/events', messageEvent(USER, CHAT, 'p2p', 'aftercare help'));
    await expect.poll(() => core.processed.length).toBe(1);
    expect(core.processed[0]!.actor.locale).toBe('en');
  });
});
