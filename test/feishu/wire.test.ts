import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildEncryptedRequest } from '../../adapters/feishu/crypto.js';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/log.js';
import { sendDigest } from '../../src/domain/digest/send.js';
import { FAKE_TENANT_TOKEN, isCreate, startFakeOpenApi, type FakeOpenApi } from './fake-open-api.js';
import {
  APP_ID,
  buttonValue,
  cardAction,
  deliver,
  ENCRYPT_KEY,
  messageEvent,
  post,
  until,
  VERIFICATION_TOKEN,
  type FeishuUser,
} from './feishu-events.js';

/**
 * Wire tests: the real server (startApp) with the real Feishu SDK, deliveries encrypted and signed
 * exactly as Feishu does, and only the open API faked on loopback (FEISHU_DOMAIN points at it).
 */
const ADMIN: FeishuUser = { openId: 'ou_admin00000000000000000000000001', name: 'Ada' };
const ENGINEER: FeishuUser = { openId: 'ou_eng000000000000000000000000002', name: 'Eve' };
const CUSTOMER: FeishuUser = { openId: 'ou_cust00000000000000000000000003', name: 'Carl' };
const ENG_CHAT = 'oc_engineers000000000000000000001';
const ACME_CHAT = 'oc_acme0000000000000000000000002';

const tmp = mkdtempSync(join(tmpdir(), 'feishu-wire-'));
let fake: FakeOpenApi;
let app: RunningApp;

const cardsIn = (chat: string) => fake.created().filter((c) => c.receive_id === chat);
const textIn = (chat: string, from = 0) => cardsIn(chat).slice(from).map((c) => JSON.stringify(c.content)).join('\n');

/** Sends a command and waits for the reply in the same chat. */
async function say(from: FeishuUser, chat: string, text: string, mentions: FeishuUser[] = []) {
  // Pushes of earlier steps (live cards follow their command's reply) land before this one is counted.
  await app.outbox.drain();
  const before = cardsIn(chat).length;
  const res = await deliver(app.url, '/feishu/events', messageEvent(from, chat, 'group', text, mentions));
  expect(res).toMatchObject({ status: 200, body: {} });
  await until(() => cardsIn(chat).length > before, `reply to "${text}"`);
  return cardsIn(chat)[before]!;
}

beforeAll(async () => {
  fake = await startFakeOpenApi();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    AFTERCARE_STORE: `sqlite://${join(tmp, 'aftercare.sqlite')}`,
    AFTERCARE_ADMINS: `feishu:${ADMIN.openId}`,
    AFTERCARE_PLAYGROUND: 'off',
    AFTERCARE_TIMER_POLL_MS: '200',
    FEISHU_APP_ID: APP_ID,
    FEISHU_APP_SECRET: 'feishu-app-secret',
    FEISHU_VERIFICATION_TOKEN: VERIFICATION_TOKEN,
    FEISHU_ENCRYPT_KEY: ENCRYPT_KEY,
    FEISHU_DOMAIN: fake.url,
  });
  app = await startApp(config, { log: createLogger({ level: process.env.WIRE_LOG ? 'warn' : 'error', sink: (l) => { if (process.env.WIRE_LOG) console.log(l); } }) });
});

afterAll(async () => {
  await app?.stop();
  await fake?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('Feishu on the running server (fake open API)', () => {
  it('hands a message event to the inbound pipeline, which has stored it when Feishu gets its 200', async () => {
    const receive = vi.spyOn(app.inbound, 'receive');
    await say(CUSTOMER, ACME_CHAT, 'faq pipeline path');
    expect(receive).toHaveBeenCalledTimes(1);
    expect(receive.mock.calls[0]![0]).toMatchObject({ kind: 'command', command: 'faq', conversation: { platform: 'feishu', channelId: ACME_CHAT } });
    await expect(receive.mock.results[0]!.value).resolves.toBe('accepted');
    receive.mockRestore();
  });

  it('answers the encrypted URL challenge', async () => {
    const res = await deliver(app.url, '/feishu/events', { challenge: 'c-123', token: VERIFICATION_TOKEN, type: 'url_verification' });
    expect(res).toMatchObject({ status: 200, body: { challenge: 'c-123' } });
    const cards = await deliver(app.url, '/feishu/cards', { challenge: 'c-456', token: VERIFICATION_TOKEN, type: 'url_verification' });
    expect(cards.body).toEqual({ challenge: 'c-456' });
  });

  it('runs report → ack → resolve → CSAT across a customer group and the engineers’ group', async () => {
    await say(ADMIN, ENG_CHAT, 'aftercare subscribe tickets');
    expect(JSON.stringify((await say(ADMIN, ENG_CHAT, 'aftercare role @Eve engineer', [ENGINEER])).content)).toContain(`feishu:${ENGINEER.openId}`);
    await say(ADMIN, ACME_CHAT, '/aftercare org acme systems:crm,erp');

    // The customer reports; the reply lands in her group and the ticket card is pushed to the engineers.
    const filed = await say(CUSTOMER, ACME_CHAT, 'issue Login fails for everyone sev:S2 system:crm');
    expect(JSON.stringify(filed.content)).toContain('SUP-1');
    const pushed = await until(() => cardsIn(ENG_CHAT).find((c) => buttonValue(c.content, 'issue.ack')?.v === 'SUP-1'), 'ticket push');
    expect(pushed.content).toMatchObject({ schema: '2.0', header: { template: expect.any(String) } });
    expect(fake.requests.filter(isCreate).every((r) => r.headers.authorization === `Bearer ${FAKE_TENANT_TOKEN}`)).toBe(true);

    // The engineer clicks Ack: Feishu gets the updated card (and a toast) in the callback answer.
    const ackedBefore = cardsIn(ACME_CHAT).length;
    const click = await deliver(app.url, '/feishu/cards', cardAction(ENGINEER, ENG_CHAT, pushed.message_id, buttonValue(pushed.content, 'issue.ack')!));
    expect(click.status).toBe(200);
    expect(click.ms).toBeLessThan(3000);
    expect(click.body).toMatchObject({ card: { type: 'raw', data: { schema: '2.0' } }, toast: { content: expect.stringContaining('SUP-1') } });
    expect(buttonValue(click.body.card, 'issue.ack')).toBeUndefined();
    // The assignee shows as a Feishu mention (rendered with the person's name), not as feishu:ou_….
    expect(JSON.stringify(click.body.card)).toContain(`<at id=${ENGINEER.openId}></at>`);
    expect(JSON.stringify(click.body.card)).not.toContain(`feishu:${ENGINEER.openId}`);
    // The reporter hears about the ack in her group.
    await until(() => cardsIn(ACME_CHAT).length > ackedBefore, 'reporter ack notice');
    expect(textIn(ACME_CHAT, ackedBefore)).toContain('SUP-1');

    // The engineer resolves: the reporter gets the resolution and a CSAT survey card.
    await say(ENGINEER, ENG_CHAT, 'issue resolve SUP-1 fixed-in:1.4.2 cause:config');
    const survey = await until(() => cardsIn(ACME_CHAT).find((c) => buttonValue(c.content, 'survey.answer')), 'CSAT survey');
    expect(textIn(ACME_CHAT)).toContain('1.4.2');
    const five = JSON.stringify(survey.content).match(/"a":"survey\.answer","v":"(SVY-\d+):5"/);
    expect(five).not.toBeNull();

    // The customer clicks 5: the survey card is replaced by thanks, and the answer is stored.
    const answer = await deliver(app.url, '/feishu/cards', cardAction(CUSTOMER, ACME_CHAT, survey.message_id, { a: 'survey.answer', v: `${five![1]}:5` }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ card: { type: 'raw' } });
    const results = await app.services.surveys.results(five![1]!);
    expect(results.responses).toBe(1);
    expect(results.distribution[5]).toBe(1);
  });

  it('pushes ticket cards to a group in English and Chinese, and in one language to a group whose language is set', async () => {
    const OPS_CHAT = 'oc_ops00000000000000000000000004';
    await say(ADMIN, OPS_CHAT, 'aftercare subscribe tickets');
    await say(ADMIN, OPS_CHAT, 'aftercare lang zh channel');
    await say(CUSTOMER, ACME_CHAT, 'issue Bilingual dashboards blank sev:S3');
    const about = (chat: string) => until(() => cardsIn(chat).find((c) => JSON.stringify(c.content).includes('Bilingual dashboards blank')), `push to ${chat}`);
    const both = await about(ENG_CHAT);
    const one = await about(OPS_CHAT);

    expect((both.content.config as { locales?: string[] }).locales).toEqual(['en_us', 'zh_cn']);
    const bothJson = JSON.stringify(both.content);
    for (const words of ['Status', '状态', 'Severity', '严重级别', 'Acknowledge', '确认']) expect(bothJson).toContain(words);
    expect((both.content.header as { title: { i18n_content?: Record<string, string> } }).title.i18n_content).toEqual({
      en_us: expect.stringContaining('Bilingual dashboards blank'),
      zh_cn: expect.stringContaining('Bilingual dashboards blank'),
    });
    // Buttons call back with the same value whatever the reader's language.
    expect(buttonValue(both.content, 'issue.ack')).toMatchObject({ a: 'issue.ack', v: expect.stringMatching(/^SUP-\d+$/) });

    const oneJson = JSON.stringify(one.content);
    expect(oneJson).toContain('状态');
    expect(oneJson).not.toContain('i18n_content');
    expect(oneJson).not.toContain('Status');
  });

  it('opens the issue form as a card form and files the ticket from its submit', async () => {
    const form = await say(CUSTOMER, ACME_CHAT, 'issue');
    const json = JSON.stringify(form.content);
    for (const input of ['"tag":"form"', '"name":"title"', '"name":"description"', '"tag":"select_static"', '"form_action_type":"submit"']) {
      expect(json).toContain(input);
    }
    const submit = JSON.stringify(form.content).match(/"value":(\{"f":"[^"]+"\})/);
    expect(submit).not.toBeNull();
    const values = { title: 'Invoices print blank', description: 'Since this morning', severity: 'S1', system: 'erp' };
    const res = await deliver(app.url, '/feishu/cards', cardAction(CUSTOMER, ACME_CHAT, form.message_id, JSON.parse(submit![1]!) as Record<string, unknown>, values));
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain('⚠️');
    await until(() => textIn(ENG_CHAT).includes('Invoices print blank'), 'form ticket push');
    const { tickets } = await app.services.tickets.list({ status: 'all', org: 'acme' });
    expect(tickets.find((t) => t.title === 'Invoices print blank')).toMatchObject({ severity: 'S1', system: 'erp', description: 'Since this morning' });
  });

  it('answers a body over its 1 MB limit with 413 before reading it as an event', async () => {
    const huge = JSON.stringify({ encrypt: 'x'.repeat(1_100_000) });
    const res = await post(app.url, '/feishu/events', huge, { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    expect(await app.store.inboxPending(10)).toEqual([]);
  });

  it('refuses a captured delivery replayed after the five-minute window and stores nothing', async () => {
    await app.outbox.drain();
    const before = (await app.services.tickets.list({ status: 'all' })).total;
    const captured = buildEncryptedRequest(ENCRYPT_KEY, messageEvent(CUSTOMER, ACME_CHAT, 'group', 'issue Replayed ticket'), () => Date.now() - 10 * 60_000);
    const replayed = await post(app.url, '/feishu/events', captured.body, captured.headers);
    expect(replayed).toMatchObject({ status: 401, body: { error: expect.stringContaining('5 minutes') } });
    expect((await app.services.tickets.list({ status: 'all' })).total).toBe(before);
    expect(await app.store.inboxPending(10)).toEqual([]);
  });

  it('rejects a wrong verification token or an undecryptable body and changes nothing', async () => {
    await app.outbox.drain();
    const countBefore = (await app.services.tickets.list({ status: 'all', org: 'acme' })).tickets.length;
    const createsBefore = fake.requests.filter(isCreate).length;
    const forged = messageEvent(CUSTOMER, ACME_CHAT, 'group', 'issue Forged ticket');
    forged.header.token = 'not-the-verification-token';
    const wrongToken = await deliver(app.url, '/feishu/events', forged);
    expect(wrongToken).toMatchObject({ status: 401, body: { error: expect.stringContaining('verification token') } });

    const wrongKey = await deliver(app.url, '/feishu/events', messageEvent(CUSTOMER, ACME_CHAT, 'group', 'issue Forged ticket'), 'another-key');
    expect(wrongKey).toMatchObject({ status: 400, body: { error: expect.stringContaining('decrypt') } });

    const { body, headers } = buildEncryptedRequest(ENCRYPT_KEY, messageEvent(CUSTOMER, ACME_CHAT, 'group', 'issue Forged ticket'));
    const badSignature = await post(app.url, '/feishu/events', body, { ...headers, 'x-lark-signature': 'ab'.repeat(32) });
    expect(badSignature.status).toBe(401);
    const plaintext = await post(app.url, '/feishu/cards', JSON.stringify(cardAction(CUSTOMER, ACME_CHAT, 'om_x', { a: 'issue.ack', v: 'SUP-1' })), {
      'content-type': 'application/json',
    });
    expect(plaintext.status).toBe(400);

    await new Promise((r) => setTimeout(r, 300));
    expect((await app.services.tickets.list({ status: 'all', org: 'acme' })).tickets).toHaveLength(countBefore);
    expect(fake.requests.filter(isCreate)).toHaveLength(createsBefore);
  });

  it('handles a redelivered event (same event_id) once', async () => {
    const event = messageEvent(CUSTOMER, ACME_CHAT, 'group', 'issue Printer queue stuck');
    const before = cardsIn(ACME_CHAT).length;
    const [a, b] = await Promise.all([deliver(app.url, '/feishu/events', event), deliver(app.url, '/feishu/events', event)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const again = await deliver(app.url, '/feishu/events', event);
    expect(again.status).toBe(200);
    await until(() => textIn(ENG_CHAT).includes('Printer queue stuck'), 'ticket push');
    await new Promise((r) => setTimeout(r, 400));
    // One reply and one live card of the one ticket.
    expect(cardsIn(ACME_CHAT).length - before).toBe(2);
    expect(cardsIn(ACME_CHAT).slice(before).filter((c) => (c.content as { header?: unknown }).header !== undefined)).toHaveLength(1);
    const { tickets } = await app.services.tickets.list({ status: 'all', org: 'acme' });
    expect(tickets.filter((t) => t.title === 'Printer queue stuck')).toHaveLength(1);
  });

  it('still delivers a pushed card exactly once when the open API answers with the rate-limit code', async () => {
    const engCreate = (r: Parameters<typeof isCreate>[0]) => isCreate(r) && (r.body as { receive_id?: string }).receive_id === ENG_CHAT;
    fake.failNext(engCreate, { status: 429, body: { code: 99991400, msg: 'request trigger frequency limit' }, headers: { 'x-ogw-ratelimit-reset': '1' } }, 2);
    const attemptsBefore = fake.requests.filter(engCreate).length;
    await say(CUSTOMER, ACME_CHAT, 'issue VPN drops every hour sev:S3');
    await until(() => textIn(ENG_CHAT).includes('VPN drops every hour'), 'throttled push', 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.requests.filter(engCreate).length - attemptsBefore).toBe(3);
    expect(cardsIn(ENG_CHAT).filter((c) => JSON.stringify(c.content).includes('VPN drops every hour'))).toHaveLength(1);
  }, 20_000);

  it('runs the command of a bot menu click and answers the user directly', async () => {
    const before = fake.created().length;
    const res = await deliver(app.url, '/feishu/events', {
      schema: '2.0',
      header: { event_id: 'menu-event-1', event_type: 'application.bot.menu_v6', create_time: String(Date.now()), token: VERIFICATION_TOKEN, app_id: APP_ID, tenant_key: 'tenant-1' },
      event: { operator: { operator_name: 'Carl', operator_id: { open_id: CUSTOMER.openId, union_id: 'on_c', user_id: 'carl' } }, event_key: 'aftercare', timestamp: Date.now() },
    });
    expect(res).toMatchObject({ status: 200, body: {} });
    const reply = await until(() => fake.created().slice(before).find((c) => c.receive_id === CUSTOMER.openId), 'menu reply');
    expect(reply.receive_id_type).toBe('open_id');
    expect(JSON.stringify(reply.content)).toContain('issue');
  });

  it('answers in Chinese on Feishu unless the user chose a language', async () => {
    const dm = 'oc_p2p_li_lei_000000000000000001';
    const li: FeishuUser = { openId: 'ou_li000000000000000000000000000009', name: 'Li' };
    const ask = async (text: string) => {
      const before = cardsIn(dm).length;
      expect((await deliver(app.url, '/feishu/events', messageEvent(li, dm, 'p2p', text))).status).toBe(200);
      await until(() => cardsIn(dm).length > before, `reply to ${text}`);
      return JSON.stringify(cardsIn(dm)[before]!.content);
    };
    expect(await ask('aftercare help')).toMatch(/[\u4e00-\u9fff]/);
    await ask('aftercare lang en');
    expect(await ask('aftercare help')).not.toMatch(/[\u4e00-\u9fff]{4}/);
  });

  it('shows the digest chart inline, on demand and scheduled, by an img_key from one upload per picture', async () => {
    const MGMT = 'oc_management00000000000000000003';
    await say(ADMIN, MGMT, 'aftercare subscribe digest');
    const imgKeys = (content: unknown) => [...JSON.stringify(content).matchAll(/"tag":"img","img_key":"([^"]+)"/g)].map((m) => m[1]!);

    // On demand: the reply's card carries the picture uploaded as a message image.
    const uploadsBefore = fake.uploads().length;
    const reply = await say(ADMIN, MGMT, 'digest');
    const onDemand = imgKeys(reply.content);
    expect(onDemand).toHaveLength(1);
    const upload = fake.uploads().slice(uploadsBefore);
    expect(upload).toEqual([expect.objectContaining({ image_type: 'message', image_key: onDemand[0] })]);
    expect(upload[0]!.contentType).toMatch(/^multipart\/form-data/);
    expect(upload[0]!.bytes).toBeGreaterThan(10_000);

    // Scheduled: the chart in the group's language, uploaded the same way.
    const before = cardsIn(MGMT).length;
    await sendDigest(app.services, { publicUrl: app.url }, app.log, 'feishu-wire-1');
    const scheduled = await until(() => cardsIn(MGMT).slice(before).find((c) => imgKeys(c.content).length > 0), 'scheduled digest');
    const keys = imgKeys(scheduled.content);
    expect(keys).toHaveLength(1);
    expect(fake.uploads().find((u) => u.image_key === keys[0])).toMatchObject({ image_type: 'message' });
    // The next digest with the same picture reuses the key: one upload per picture content.
    const uploads = fake.uploads().length;
    const next = cardsIn(MGMT).length;
    await sendDigest(app.services, { publicUrl: app.url }, app.log, 'feishu-wire-2');
    const again = await until(() => cardsIn(MGMT).slice(next).find((c) => imgKeys(c.content).length > 0), 'second scheduled digest');
    expect(imgKeys(again.content)).toEqual(keys);
    expect(fake.uploads()).toHaveLength(uploads);
  });
});

