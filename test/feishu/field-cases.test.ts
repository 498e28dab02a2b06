import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { keys } from '../../src/core/keys.js';
import { conversationKey } from '../../src/core/ports.js';
import type { InboundEvent } from '../../src/core/types.js';
import { wireLog } from '../helpers/wire-app.js';
import type { FakeOpenApi } from './fake-open-api.js';
import { startFeishuWire, type FeishuWire } from './support.js';
import { cardAction, deliver, until } from './feishu-events.js';

/**
 * The chat field cases on Feishu (C24 topic groups, C26 Chinese IME punctuation), delivered
 * encrypted and signed as Feishu does, with the open API faked on loopback. The deployment is the
 * cases' own: app cli_acc, tenant tk_acc, bot ou_bot.
 */
let fake: FakeOpenApi;
let app: RunningApp;
let wire: FeishuWire | undefined;
let n = 0;

type Payload = { header: Record<string, unknown>; event: { sender: { sender_id: Record<string, string> }; message: Record<string, unknown> } };
const caseFile = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'field-cases', 'chat', `${name}.json`), 'utf8')) as Payload;

/** A message event shaped like the cases (bot mentioned as @_user_1), from `openId` in `chat`, outside any topic unless `topic` is given. */
function message(openId: string, chat: string, text: string, topic?: { root: string; thread: string }): Payload {
  const p = caseFile('C26');
  p.header.event_id = `ev_fc_${++n}`;
  p.event.sender.sender_id = { open_id: openId, union_id: `on_${openId}`, user_id: openId };
  Object.assign(p.event.message, { message_id: `om_fc_${n}`, chat_id: chat, content: JSON.stringify({ text: `@_user_1 ${text}` }) });
  if (topic) Object.assign(p.event.message, { root_id: topic.root, parent_id: topic.root, thread_id: topic.thread });
  return p;
}

/** A card callback as the field cases' deployment gets it (its token, app and tenant). */
function click(openId: string, chat: string, messageId: string, value: Record<string, unknown>, form?: Record<string, unknown>) {
  const p = cardAction({ openId, name: openId }, chat, messageId, value, form) as unknown as { header: Record<string, unknown>; event: { operator: Record<string, unknown> } };
  Object.assign(p.header, { token: 'acc-verification-token', app_id: 'cli_acc', tenant_key: 'tk_acc' });
  p.event.operator.tenant_key = 'tk_acc';
  return p;
}

const created = (chat: string, from = 0) => fake.created().filter((c) => c.receive_id === chat).slice(from);

async function say(openId: string, chat: string, text: string): Promise<string> {
  const before = created(chat).length;
  expect((await deliver(app.url, '/feishu/events', message(openId, chat, text))).status).toBe(200);
  const card = await until(() => created(chat, before)[0], `reply to "${text}"`);
  return JSON.stringify(card.content);
}

beforeAll(async () => {
  wire = await startFeishuWire({
    prefix: 'feishu-fc',
    db: 'fc',
    admins: 'feishu:ou_admin',
    botOpenId: 'ou_bot',
    env: { FEISHU_APP_ID: 'cli_acc', FEISHU_VERIFICATION_TOKEN: 'acc-verification-token' },
    log: wireLog('error'),
  });
  ({ fake, app } = wire);
  expect(await say('ou_admin', 'oc_eng', '/aftercare subscribe tickets')).toMatch(/tickets/);
  expect(await say('ou_admin', 'oc_topic', '/aftercare org acme')).toMatch(/acme/);
  // Only the organisation's own systems may be named by its customers (C26 files on crm).
  expect(await say('ou_admin', 'oc_cust', '/aftercare org acme systems:crm')).toMatch(/acme/);
  await say('ou_admin', 'oc_eng', '/aftercare role <@feishu:ou_eng> engineer');
});

afterAll(async () => {
  await wire?.stop();
});

describe('Feishu field cases (wire)', () => {
  it('C24: answers a command typed in a topic inside that topic (reply_in_thread), and later notices to the reporter too', async () => {
    const topLevel = created('oc_topic').length;
    expect((await deliver(app.url, '/feishu/events', caseFile('C24'))).status).toBe(200);
    // The answer (a short text) and the ticket's live card both go into the topic, in either order.
    const answer = await until(() => fake.replies().find((r) => r.parent_id === 'om_in_topic1' && /已创建工单 SUP-\d+/.test(JSON.stringify(r.content))), 'the answer in the topic');
    expect(answer.reply_in_thread).toBe(true);
    const id = /SUP-\d+/.exec(JSON.stringify(answer.content))![0];
    expect(await app.services.tickets.find(id)).toMatchObject({ title: '打印预览缺少页脚', severity: 'S3', org: 'acme' });
    // The engineers' group gets the card as a new message of its own.
    await until(() => created('oc_eng').find((c) => JSON.stringify(c.content).includes(id)), 'the card in oc_eng');
    // An engineer acknowledges: the reporter hears of it in the same topic.
    await say('ou_eng', 'oc_eng', `issue ack ${id}`);
    await until(() => fake.replies().find((r) => r.parent_id === 'om_in_topic1' && new RegExp(`${id}.*已由.*确认`).test(JSON.stringify(r.content))), 'the ack notice in the topic');
    // The ticket's live card in the topic is updated in place, not posted again.
    const topicCards = fake.replies().filter((r) => r.parent_id === 'om_in_topic1' && JSON.stringify((r.content as { header?: unknown }).header ?? '').includes(`${id} ·`));
    expect(topicCards).toHaveLength(1);
    await until(() => fake.patched().some((p) => p.message_id === topicCards[0]!.message_id && JSON.stringify(p.content).includes('已确认')), 'the topic card showing the ack');
    expect(fake.replies().filter((r) => r.parent_id === 'om_in_topic1').every((r) => r.reply_in_thread)).toBe(true);
    // Nothing about it was posted at the group's top level (which would open a new topic).
    expect(created('oc_topic', topLevel).filter((c) => JSON.stringify(c.content).includes(id))).toEqual([]);
  });

  it('C26: files `sev：S1 system：crm` typed with a Chinese IME as S1 on crm, the keys out of the title', async () => {
    const before = created('oc_cust').length;
    expect((await deliver(app.url, '/feishu/events', caseFile('C26'))).status).toBe(200);
    // The answer is a short text; the ticket's live card also reaches the reporter's group.
    const reply = JSON.stringify((await until(() => created('oc_cust', before).find((c) => /已创建工单 SUP-\d+/.test(JSON.stringify(c.content))), 'the answer')).content);
    expect(reply).not.toContain('sev：');
    const id = /SUP-\d+/.exec(reply)![0];
    expect(await app.services.tickets.find(id)).toMatchObject({ title: '登录页面报 500 错误', severity: 'S1', system: 'crm' });
    const card = await until(() => created('oc_eng').find((c) => JSON.stringify(c.content).includes(id)), 'the engineers’ card');
    expect(JSON.stringify(card.content)).toContain('S1');
    // A key written with a separator the parser does not know is refused by name, in Chinese.
    const refused = await say('ou_cust', 'oc_cust', '/issue 登录慢 sev=S1');
    expect(refused).toContain('“sev=S1”');
    expect((await app.services.tickets.list({ status: 'all' })).tickets.some((t) => t.title.startsWith('登录慢'))).toBe(false);
  });

  it('refuses to subscribe a group the bot is no longer in, with the steps to add it back', async () => {
    fake.notInChat.add('oc_gone');
    const answer = await say('ou_admin', 'oc_gone', '/aftercare subscribe alerts');
    expect(answer).toMatch(/无法在此会话中发消息，因此未订阅 alerts/);
    expect(answer).toMatch(/添加机器人/);
    expect((await app.services.directory.subscribers('alerts')).map((c) => c.channelId)).not.toContain('oc_gone');
  });

  it('answers a picture or file sent to the bot with a hint', async () => {
    const p = message('ou_cust', 'ou_cust', 'ignored');
    Object.assign(p.event.message, { chat_type: 'p2p', chat_id: 'oc_p2p_cust', message_type: 'image', content: JSON.stringify({ image_key: 'img_v3_1' }), mentions: [] });
    expect((await deliver(app.url, '/feishu/events', p)).status).toBe(200);
    const hint = await until(() => created('oc_p2p_cust')[0], 'the hint');
    expect(JSON.stringify(hint.content)).toMatch(/收到你的文件/);
    // A rich-text post with a screenshot and words: the words are the command.
    const post = message('ou_cust', 'oc_cust', 'ignored');
    const content = { zh_cn: { title: '', content: [[{ tag: 'at', user_id: '@_user_1' }, { tag: 'text', text: ' issue 截图里的报错 sev：S2' }], [{ tag: 'img', image_key: 'img_v3_2' }]] } };
    Object.assign(post.event.message, { message_type: 'post', content: JSON.stringify(content) });
    const before = created('oc_cust').length;
    expect((await deliver(app.url, '/feishu/events', post)).status).toBe(200);
    const filed = await until(() => created('oc_cust', before).find((c) => /已创建工单 SUP-\d+/.test(JSON.stringify(c.content))), 'the answer to the post');
    expect(JSON.stringify(filed.content)).toContain('截图里的报错');
    expect((await app.services.tickets.list({ status: 'all' })).tickets.find((t) => t.title === '截图里的报错')).toMatchObject({ severity: 'S2' });
  });

  it('keys every inbound path from a topic group — top-level and in-topic commands, a button, a form — as one conversation with one binding', async () => {
    const receive = vi.spyOn(app.inbound, 'receive');
    try {
      const top = await say('ou_cust', 'oc_topic', 'issue 顶层消息');
      const id = /SUP-\d+/.exec(top)![0];
      expect((await deliver(app.url, '/feishu/events', message('ou_cust', 'oc_topic', 'issue 话题内消息', { root: 'om_root9', thread: 'omt_9' }))).status).toBe(200);
      await until(() => fake.replies().find((r) => r.parent_id === `om_fc_${n}`), 'the in-topic answer');
      const card = created('oc_topic').find((c) => JSON.stringify(c.content).includes(id))!;
      const clicked = await deliver(app.url, '/feishu/cards', click('ou_cust', 'oc_topic', card.message_id, { a: 'issue.show', v: id }));
      expect(clicked.status).toBe(200);
      const form = await deliver(app.url, '/feishu/cards', click('ou_cust', 'oc_topic', card.message_id, { f: 'issue.create' }, { title: '表单提交的问题', severity: 'S2' }));
      expect(form.status).toBe(200);
      await app.inbound.drain();
      const events = receive.mock.calls.map((c) => c[0] as InboundEvent);
      expect(events.map((e) => e.kind).sort()).toEqual(['action', 'command', 'command', 'submit']);
      expect(new Set(events.map((e) => conversationKey(e.conversation)))).toEqual(new Set(['feishu:tk_acc:oc_topic']));
      expect((await app.services.tickets.list({ status: 'all' })).tickets.find((t) => t.title === '表单提交的问题')).toMatchObject({ org: 'acme', severity: 'S2' });
      const channels = (await app.services.deps.store.zrange(keys.orgChannels('acme'), -Infinity, Infinity)).map((m) => m.member);
      expect(channels.filter((c) => c.includes('oc_topic'))).toEqual(['feishu:tk_acc:oc_topic']);
    } finally {
      receive.mockRestore();
    }
  });
});
