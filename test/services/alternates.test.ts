import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { ChatAdapter } from '../../src/core/ports.js';
import type { StateStore } from '../../src/core/store.js';
import type { ConversationRef, OutboundMessage, Platform, SentRef } from '../../src/core/types.js';
import { createServices, type Services } from '../../src/domain/index.js';
import { openStore } from '../../src/state/store.js';
import { memoryLogger, tempSqliteUrl } from '../helpers/env.js';

interface Delivered {
  channel: string;
  message: OutboundMessage;
}

/** An adapter that records what the outbox hands it (posts and in-place updates alike). */
function recorder(platform: Platform, delivered: Delivered[]): ChatAdapter {
  let n = 0;
  return {
    platform,
    // Feishu's cards show each reader their own language (its adapter declares the same).
    capabilities: { ephemeral: false, updateInPlace: true, modals: false, images: false, perReaderLanguage: platform === 'feishu' },
    limits: { perConversationPerSecond: 1000, perConversationBurst: 1000, perAppPerSecond: 10_000 },
    async post(ref, message): Promise<SentRef> {
      delivered.push({ channel: ref.channelId, message });
      return { conversation: ref, messageId: `m${++n}` };
    },
    async update(sent, message) {
      delivered.push({ channel: sent.conversation.channelId, message });
    },
  };
}

const feishuGroup: ConversationRef = { platform: 'feishu', tenantId: 't1', channelId: 'oc_group', direct: false };
const feishuGroupZh: ConversationRef = { platform: 'feishu', tenantId: 't1', channelId: 'oc_group_zh', direct: false };
const feishuDm: ConversationRef = { platform: 'feishu', tenantId: 't1', channelId: 'oc_p2p', direct: true };
const slackChannel: ConversationRef = { platform: 'slack', tenantId: 'T1', channelId: 'C1' };
const CUSTOMER = 'feishu:ou_customer0001';

let store: StateStore;
let services: Services;
let delivered: Delivered[];

beforeEach(async () => {
  delivered = [];
  const config = loadConfig({ AFTERCARE_STORE: tempSqliteUrl('alt'), AFTERCARE_ADMINS: 'feishu:ou_admin' });
  store = await openStore(config.store);
  services = createServices({ store, config, log: memoryLogger(), now: () => Date.parse('2026-11-24T10:00:00Z') });
  services.outbox.register(recorder('feishu', delivered));
  services.outbox.register(recorder('slack', delivered));
  services.outbox.start();
  for (const conversation of [feishuGroup, feishuGroupZh, feishuDm, slackChannel]) {
    await services.directory.subscribe('feishu:ou_admin', { topic: 'tickets', conversation });
  }
  await services.directory.setLocale('feishu:ou_admin', { conversation: feishuGroupZh }, 'zh-CN');
});

afterEach(async () => {
  await services.outbox.stop();
  await store.close();
});

const fileTicket = (reporterConversation: ConversationRef, reporterLocale: 'en' | 'zh-CN' = 'zh-CN') =>
  services.tickets.create({
    title: 'Login fails',
    severity: 'S2',
    system: 'crm',
    org: 'acme',
    reporter: CUSTOMER,
    reporterConversation,
    reporterLocale,
  });

async function deliveredTo(channel: string): Promise<OutboundMessage[]> {
  await services.outbox.drain();
  return delivered.filter((d) => d.channel === channel).map((d) => d.message);
}

describe('pushes to a Feishu group carry every language', () => {
  it('attaches the Chinese ticket card to the English one pushed to a Feishu group whose language nobody set', async () => {
    await fileTicket(feishuDm);
    const [card] = await deliveredTo('oc_group');
    expect(card!.text).toContain('Open');
    expect(JSON.stringify(card!.card)).toContain('Status');
    expect(Object.keys(card!.alternates ?? {})).toEqual(['zh-CN']);
    const zh = card!.alternates!['zh-CN']!;
    expect(zh.text).toContain('待处理');
    expect(JSON.stringify(zh.card)).toContain('状态');
    // Same structure in both languages, so the renderer can pair every text.
    expect(zh.card!.blocks.map((b) => b.type)).toEqual(card!.card!.blocks.map((b) => b.type));
  });

  it('keeps the in-place updates of the group card bilingual', async () => {
    const ticket = await fileTicket(feishuDm);
    await services.tickets.ack(ticket.id, 'feishu:ou_engineer01', 'Eve');
    const cards = await deliveredTo('oc_group');
    expect(cards.length).toBeGreaterThanOrEqual(1);
    const last = cards.at(-1)!;
    expect(JSON.stringify(last.card)).toContain('Eve');
    expect(JSON.stringify(last.alternates?.['zh-CN']?.card)).toContain('处理人');
  });

  it('sends one language to a Feishu direct chat, a Feishu group with a language set for the channel, and a Slack channel', async () => {
    await fileTicket(feishuDm);
    const [dm] = await deliveredTo('oc_p2p');
    const [zhGroup] = await deliveredTo('oc_group_zh');
    const [slack] = await deliveredTo('C1');
    expect(dm!.alternates).toBeUndefined();
    expect(slack!.alternates).toBeUndefined();
    expect(zhGroup!.alternates).toBeUndefined();
    expect(zhGroup!.text).toContain('待处理');
  });

  it("tells a reporter in a Feishu group in both languages, led by the reporter's own", async () => {
    const reporterGroup: ConversationRef = { platform: 'feishu', tenantId: 't1', channelId: 'oc_acme', direct: false };
    const ticket = await fileTicket(reporterGroup, 'zh-CN');
    await services.tickets.ack(ticket.id, 'feishu:ou_engineer01', 'Eve');
    // The group shows the ticket's live card (built for the reporter, in Chinese first) and the notice.
    const delivered = await deliveredTo('oc_acme');
    expect(delivered.filter((m) => m.card?.title?.startsWith(`${ticket.id} ·`)).every((m) => m.alternates?.en !== undefined)).toBe(true);
    const notice = delivered.find((m) => m.text.includes('已由'));
    expect(notice!.text).toContain('已由 Eve 确认');
    expect(notice!.alternates?.en?.text).toContain('was acknowledged by Eve');
  });

  it('tells a reporter in a Feishu direct chat in their language only', async () => {
    const ticket = await fileTicket(feishuDm, 'zh-CN');
    await services.tickets.ack(ticket.id, 'feishu:ou_engineer01', 'Eve');
    const notices = (await deliveredTo('oc_p2p')).filter((m) => m.text.includes('已由'));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.alternates).toBeUndefined();
  });
});
