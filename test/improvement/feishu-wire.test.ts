import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { wireLog } from '../helpers/wire-app.js';
import type { FakeOpenApi } from '../feishu/fake-open-api.js';
import { createdIn, replyIn, startFeishuWire, type FeishuWire } from '../feishu/support.js';
import { buttonValue, cardAction, deliver, messageEvent, until, type FeishuUser } from '../feishu/feishu-events.js';

/** Security incidents and improvement actions on Feishu: encrypted deliveries, the real SDK, a fake open API. */
const ADMIN: FeishuUser = { openId: 'ou_admin00000000000000000000000011', name: 'Ada' };
const ENGINEER: FeishuUser = { openId: 'ou_eng000000000000000000000000012', name: 'Eve' };
const CONTACT: FeishuUser = { openId: 'ou_cust00000000000000000000000013', name: 'Carl' };
const OTHER: FeishuUser = { openId: 'ou_dora00000000000000000000000014', name: 'Dora' };
const ENG_CHAT = 'oc_engineers000000000000000000011';
const ACME_CHAT = 'oc_acme0000000000000000000000012';
const p2p = (u: FeishuUser) => `oc_p2p_${u.openId.slice(3, 20)}`;

let fake: FakeOpenApi;
let app: RunningApp;
let wire: FeishuWire | undefined;
const cardsIn = (chat: string) => createdIn(fake, chat);

async function say(from: FeishuUser, chat: string, text: string, mentions: FeishuUser[] = [], type: 'group' | 'p2p' = 'group') {
  const before = cardsIn(chat).length;
  expect((await deliver(app.url, '/feishu/events', messageEvent(from, chat, type, text, mentions))).status).toBe(200);
  return replyIn(fake, chat, before, text);
}

beforeAll(async () => {
  wire = await startFeishuWire({ prefix: 'feishu-sec', admins: `feishu:${ADMIN.openId}`, log: wireLog('error') });
  ({ fake, app } = wire);
});

afterAll(async () => {
  await wire?.stop();
});

describe('security incidents and improvement actions on Feishu', () => {
  it('sends the checklist only to the allowed people\'s private chats, in Chinese, and takes Done from the card', async () => {
    await say(ADMIN, ACME_CHAT, '/aftercare org acme');
    await say(ADMIN, ENG_CHAT, 'aftercare role @Eve engineer', [ENGINEER]);
    await say(ADMIN, ENG_CHAT, 'aftercare grant @Eve security', [ENGINEER]);
    expect(JSON.stringify((await say(ADMIN, ACME_CHAT, 'aftercare contact @Carl security', [CONTACT])).content)).toContain('acme');
    await say(OTHER, ACME_CHAT, 'faq 你好');
    // Carl never wrote in the acme group: he is known only as the contact the admin named.
    for (const u of [ADMIN, ENGINEER, CONTACT, OTHER]) await say(u, p2p(u), 'aftercare help', [], 'p2p');

    const refused = await say(ENGINEER, ENG_CHAT, 'security declare acme S1 密钥泄露');
    expect(JSON.stringify(refused.content)).toContain('私聊');
    const declared = await say(ENGINEER, p2p(ENGINEER), 'security declare acme S1 密钥泄露', [], 'p2p');
    expect(JSON.stringify(declared.content)).toContain('SEC-1');
    const card = await until(() => cardsIn(p2p(CONTACT)).find((c) => JSON.stringify(c.content).includes('密钥泄露')), 'checklist card');
    expect(JSON.stringify(card.content)).toContain('遏制');
    await until(() => cardsIn(p2p(ADMIN)).some((c) => JSON.stringify(c.content).includes('密钥泄露')), 'admin card');
    const seen = new Set(fake.created().filter((c) => JSON.stringify(c.content).includes('密钥泄露')).map((c) => c.receive_id));
    expect(seen).toEqual(new Set([p2p(ADMIN), p2p(ENGINEER), p2p(CONTACT)]));

    const done = buttonValue(card.content, 'security.done')!;
    const click = await deliver(app.url, '/feishu/cards', cardAction(CONTACT, p2p(CONTACT), card.message_id, done));
    expect(click.status).toBe(200);
    expect(JSON.stringify(click.body.card)).toMatch(/遏制\*\* · 已完成/);
    const outsider = await say(OTHER, p2p(OTHER), 'security', [], 'p2p');
    expect(JSON.stringify(outsider.content)).not.toContain('SEC-1');
    const audit = await app.services.audit.latest(200);
    expect(audit.find((e) => e.action === 'security.step.done')).toMatchObject({ actor: `feishu:${CONTACT.openId}`, target: 'SEC-1' });
  });

  it('records an improvement action from the engineers\' group', async () => {
    const reply = await say(ENGINEER, ENG_CHAT, 'improve add 部署前校验配置 cause:config system:crm due:2026-12-31');
    expect(JSON.stringify(reply.content)).toContain('IMP-1');
    expect(JSON.stringify(reply.content)).toContain('部署前校验配置');
    expect(buttonValue(reply.content, 'improve.done')).toEqual(expect.objectContaining({ v: 'IMP-1' }));
  });
});
