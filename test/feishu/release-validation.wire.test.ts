import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { TOKEN } from '../hooks/support.js';
import { wireLog } from '../helpers/wire-app.js';
import type { FakeOpenApi } from './fake-open-api.js';
import { createdIn, replyIn, startFeishuWire, type FeishuWire } from './support.js';
import { buttonValue, cardAction, deliver, messageEvent, until, type FeishuUser } from './feishu-events.js';

/**
 * Release validation on Feishu, over the wire: encrypted, signed message events and card
 * callbacks through the real SDK, CI's report as the JSON summary and as JUnit XML, and only the
 * open API faked on loopback.
 */
const ADMIN: FeishuUser = { openId: 'ou_admin00000000000000000000000001', name: 'Ada' };
const ENGINEER: FeishuUser = { openId: 'ou_eng000000000000000000000000002', name: 'Eve' };
const ALICE: FeishuUser = { openId: 'ou_alice0000000000000000000000003', name: 'Alice' };
const DANA: FeishuUser = { openId: 'ou_dana00000000000000000000000004', name: 'Dana' };
const GUS: FeishuUser = { openId: 'ou_gus000000000000000000000000005', name: 'Gus' };
const ENG_CHAT = 'oc_engineers000000000000000000001';
const ACME_CHAT = 'oc_acme0000000000000000000000002';
const GLOBEX_CHAT = 'oc_globex00000000000000000000003';
const junit = (name: string) => readFileSync(new URL(`../fixtures/junit/${name}`, import.meta.url), 'utf8');

let fake: FakeOpenApi;
let app: RunningApp;
let wire: FeishuWire | undefined;

const cardsIn = (chat: string) => createdIn(fake, chat);
const textIn = (chat: string, from = 0) => cardsIn(chat).slice(from).map((c) => JSON.stringify(c.content)).join('\n');

async function say(from: FeishuUser, chat: string, text: string, mentions: FeishuUser[] = []): Promise<string> {
  const before = cardsIn(chat).length;
  const res = await deliver(app.url, '/feishu/events', messageEvent(from, chat, 'group', text, mentions));
  expect(res).toMatchObject({ status: 200, body: {} });
  return JSON.stringify((await replyIn(fake, chat, before, text)).content);
}

const uatCard = (chat: string, org: string) => cardsIn(chat).find((c) => buttonValue(c.content, 'release.approve')?.v === `2.0.0|${org}`);

async function click(from: FeishuUser, chat: string, card: { message_id: string; content: unknown }, actionId: string) {
  const before = cardsIn(chat).length;
  const answer = await deliver(app.url, '/feishu/cards', cardAction(from, chat, card.message_id, buttonValue(card.content, actionId)!));
  expect(answer.status).toBe(200);
  return { answer, after: () => JSON.stringify(answer.body) + textIn(chat, before) };
}

async function ci(body: string, contentType: string, query = '') {
  const res = await fetch(`${app.url}/hooks/releases/tests${query}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  wire = await startFeishuWire({ prefix: 'feishu-release', admins: `feishu:${ADMIN.openId}`, env: { AFTERCARE_HOOK_TOKEN: TOKEN }, log: wireLog('error') });
  ({ fake, app } = wire);
  // Both organisations' customers file on crm, so it must be one of each organisation's systems.
  await say(ADMIN, ACME_CHAT, '/aftercare org acme systems:crm');
  await say(ADMIN, GLOBEX_CHAT, '/aftercare org globex systems:crm');
  await say(ADMIN, ENG_CHAT, 'aftercare role @Eve engineer', [ENGINEER]);
  expect(await say(ADMIN, ACME_CHAT, 'aftercare approver @Dana', [DANA])).toContain('acme');
  await say(ADMIN, GLOBEX_CHAT, 'aftercare approver @Gus', [GUS]);
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('release validation on Feishu (wire)', () => {
  it('gates publication on CI’s suites and each organisation’s approval, then tells both organisations’ reporters', async () => {
    // Each report is answered with a short text beside the ticket's live card, in either order.
    for (const [user, chat, text, id] of [[ALICE, ACME_CHAT, 'issue Prices are wrong sev:S2 system:crm', 'SUP-1'], [GUS, GLOBEX_CHAT, 'issue Quotes fail sev:S3 system:crm', 'SUP-2']] as const) {
      const before = cardsIn(chat).length;
      await say(user, chat, text);
      await until(() => textIn(chat, before).includes(`已创建工单 ${id}：`), `the answer filing ${id}`);
    }
    // SUP-1 is S2, so resolving it needs a cause.
    await say(ENGINEER, ENG_CHAT, 'issue resolve SUP-1 fixed-in:2.0.0 cause:code');
    await say(ENGINEER, ENG_CHAT, 'issue resolve SUP-2 fixed-in:2.0.0');
    for (const id of ['SUP-1', 'SUP-2']) expect((await app.services.tickets.get(id)).status).toBe('resolved');
    expect(await say(ENGINEER, ENG_CHAT, 'release plan 2.0.0 system:crm')).toContain('acme, globex');
    const acmeCard = await until(() => uatCard(ACME_CHAT, 'acme'), 'acme UAT card');
    const globexCard = await until(() => uatCard(GLOBEX_CHAT, 'globex'), 'globex UAT card');
    expect(textIn(GLOBEX_CHAT)).not.toContain('2.0.0|acme');

    // Feishu users read Chinese here (the platform's user locale).
    // CI: Surefire's XML with a failure, then the JSON summary of a passing run of the same suite.
    expect((await ci(junit('surefire-failing.xml'), 'application/xml', '?version=2.0.0')).status).toBe(200);
    expect(await say(ENGINEER, ENG_CHAT, 'release-notes publish 2.0.0')).toContain('测试套件 com.example.crm.PricingTest 失败（3 个中 1 个）');
    const passing = await ci(JSON.stringify({ version: '2.0.0', suite: 'com.example.crm.PricingTest', passed: 3, failed: 0, url: 'https://ci.example.com/run/2' }), 'application/json');
    expect(passing).toMatchObject({ status: 200, json: { suites: [{ suite: 'com.example.crm.PricingTest', passed: 3, failed: 0 }] } });
    // A CI link must be http(s).
    expect((await ci(JSON.stringify({ version: '2.0.0', suite: 'x', passed: 1, failed: 0, url: 'javascript:alert(1)' }), 'application/json')).status).toBe(400);

    for (const user of [ALICE, GUS]) {
      const { after } = await click(user, ACME_CHAT, acmeCard, 'release.approve');
      await until(() => after().includes('只有 acme 的验收人可以答复'), `refusal of ${user.name}`);
    }
    expect((await app.services.validation.load('2.0.0')).uat.acme).toEqual({ state: 'pending' });
    const { answer } = await click(DANA, ACME_CHAT, acmeCard, 'release.approve');
    expect(answer.body).toMatchObject({ card: { type: 'raw' } });
    expect(buttonValue(answer.body.card, 'release.approve')).toBeUndefined();

    const stillRefused = await say(ENGINEER, ENG_CHAT, 'release-notes publish 2.0.0');
    expect(stillRefused).toContain('验收：globex 尚未通过');
    expect(stillRefused).not.toContain('验收：acme');
    expect(stillRefused).not.toContain('PricingTest');

    await click(GUS, GLOBEX_CHAT, globexCard, 'release.approve');
    const [acmeBefore, globexBefore] = [cardsIn(ACME_CHAT).length, cardsIn(GLOBEX_CHAT).length];
    expect(await say(ENGINEER, ENG_CHAT, 'release-notes publish 2.0.0')).toContain('版本 2.0.0 已发布');
    await until(() => textIn(ACME_CHAT, acmeBefore).includes('SUP-1') && textIn(ACME_CHAT, acmeBefore).includes('2.0.0'), 'acme reporter told');
    await until(() => textIn(GLOBEX_CHAT, globexBefore).includes('SUP-2') && textIn(GLOBEX_CHAT, globexBefore).includes('2.0.0'), 'globex reporter told');
  }, 60_000);
});
