import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { startFakeLongConnection, type FakeLongConnection } from './fake-long-connection.js';
import { wireLog } from '../helpers/wire-app.js';
import type { FakeOpenApi } from './fake-open-api.js';
import { createdIn, startFeishuWire, type FeishuWire } from './support.js';
import { APP_ID, buttonValue, cardAction, messageEvent, until, type FeishuUser } from './feishu-events.js';

/**
 * Feishu over its long connection (FEISHU_CONNECTION=websocket), end to end: the real server with
 * the SDK's WSClient, the fake open API answering `/callback/ws/endpoint` with the URL of a local
 * WebSocket server that speaks the SDK's frame protocol (protobuf `pbbp2.Frame`, events as data
 * frames, answers in the returned frame). Events go in unencrypted, as Feishu sends them there.
 */
const ADMIN: FeishuUser = { openId: 'ou_admin00000000000000000000000001', name: 'Ada' };
const ENGINEER: FeishuUser = { openId: 'ou_eng000000000000000000000000002', name: 'Eve' };
const CUSTOMER: FeishuUser = { openId: 'ou_cust00000000000000000000000003', name: 'Carl' };
const ENG_CHAT = 'oc_engineers000000000000000000001';
const ACME_CHAT = 'oc_acme0000000000000000000000002';
const SECRET = 'feishu-app-secret';

let fake: FakeOpenApi;
let ws: FakeLongConnection;
let app: RunningApp;
let wire: FeishuWire | undefined;

const cardsIn = (chat: string) => createdIn(fake, chat);

/** Sends a message event over the connection and waits for the bot's reply in that chat. */
async function say(from: FeishuUser, chat: string, text: string, mentions: FeishuUser[] = []) {
  const before = cardsIn(chat).length;
  const answer = await ws.send(messageEvent(from, chat, 'group', text, mentions));
  expect(answer.code).toBe(200);
  return until(() => cardsIn(chat)[before], `a reply to "${text}"`);
}

beforeAll(async () => {
  wire = await startFeishuWire({
    prefix: 'feishu-ws',
    admins: `feishu:${ADMIN.openId}`,
    appSecret: SECRET,
    longConnection: true,
    log: wireLog('error'),
    beforeApp: async (f) => {
      ws = await startFakeLongConnection();
      f.wsUrl = ws.url;
    },
    afterApp: async () => {
      await ws?.close();
    },
  });
  ({ fake, app } = wire);
});

afterAll(async () => {
  await wire?.stop();
});

describe('Feishu over the long connection', () => {
  it('opens it with the app id and secret, and serves no Feishu HTTP endpoint', async () => {
    const endpoint = fake.requests.filter((r) => r.path === '/callback/ws/endpoint');
    expect(endpoint).toHaveLength(1);
    expect(endpoint[0]!.body).toMatchObject({ AppID: APP_ID, AppSecret: SECRET });
    expect(ws.connections).toBe(1);
    for (const path of ['/feishu/events', '/feishu/cards']) expect((await fetch(`${app.url}${path}`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('runs report → ack button → resolve: events in data frames, the card callback answered in its frame', async () => {
    await say(ADMIN, ENG_CHAT, 'aftercare subscribe tickets');
    await say(ADMIN, ENG_CHAT, 'aftercare role @Eve engineer', [ENGINEER]);
    // The customer files on crm, so it must be one of acme's systems.
    await say(ADMIN, ACME_CHAT, '/aftercare org acme systems:crm');

    // The customer reports and is answered with a short text, in Chinese (the platform's user
    // locale), beside the ticket's live card; the ticket card is pushed to the engineers.
    const before = cardsIn(ACME_CHAT).length;
    await say(CUSTOMER, ACME_CHAT, 'issue Login fails for everyone sev:S2 system:crm');
    const filed = await until(() => cardsIn(ACME_CHAT).slice(before).find((c) => /已创建工单 SUP-1：/.test(JSON.stringify(c.content))), 'the answer to the report');
    expect(JSON.stringify(filed.content)).toContain('Login fails for everyone');
    const pushed = await until(() => cardsIn(ENG_CHAT).find((c) => buttonValue(c.content, 'issue.ack')?.v === 'SUP-1'), 'ticket push');

    // The engineer clicks Ack. The callback comes in two parts (Feishu splits big frames); the
    // answering frame carries the updated card and the toast.
    const click = await ws.send(cardAction(ENGINEER, ENG_CHAT, pushed.message_id, buttonValue(pushed.content, 'issue.ack')!), 2);
    expect(click.code).toBe(200);
    expect(click.data).toMatchObject({ card: { type: 'raw', data: { schema: '2.0' } }, toast: { content: expect.stringContaining('SUP-1') } });
    expect(buttonValue(click.data!.card, 'issue.ack')).toBeUndefined();
    expect((await app.services.tickets.get('SUP-1')).status).toBe('acknowledged');

    // The engineer resolves; the reporter gets the resolution and a CSAT survey card.
    await say(ENGINEER, ENG_CHAT, 'issue resolve SUP-1 fixed-in:1.4.2 cause:code');
    await until(() => cardsIn(ACME_CHAT).find((c) => buttonValue(c.content, 'survey.answer')), 'CSAT survey');
    expect((await app.services.tickets.get('SUP-1')).status).toBe('resolved');
  });

  it('handles an event Feishu sends again over the connection once', async () => {
    const event = messageEvent(CUSTOMER, ACME_CHAT, 'group', 'issue Printer jams on tray 2 sev:S3');
    const before = (await app.services.tickets.list({ status: 'all' })).total;
    expect((await ws.send(event)).code).toBe(200);
    expect((await ws.send(event)).code).toBe(200);
    await until(() => cardsIn(ACME_CHAT).some((c) => JSON.stringify(c.content).includes('Printer jams')), 'the reply');
    await app.inbound.drain();
    expect((await app.services.tickets.list({ status: 'all' })).total).toBe(before + 1);
  });
});
