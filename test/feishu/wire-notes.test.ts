import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { wireLog } from '../helpers/wire-app.js';
import type { FakeOpenApi } from './fake-open-api.js';
import { createdIn, replyIn, startFeishuWire, type FeishuWire } from './support.js';
import { deliver, messageEvent, until, type FeishuUser } from './feishu-events.js';

/**
 * Internal notes on the wire: the real server with the real Feishu SDK, encrypted and signed
 * deliveries, and a fake open API recording every request. A note shows in the engineers' group
 * and in no request that reaches the customer's group (new messages or updates of its messages).
 */
const ADMIN: FeishuUser = { openId: 'ou_admin00000000000000000000000001', name: 'Ada' };
const ENGINEER: FeishuUser = { openId: 'ou_eng000000000000000000000000002', name: 'Eve' };
const CUSTOMER: FeishuUser = { openId: 'ou_cust00000000000000000000000003', name: 'Carl' };
const ENG_CHAT = 'oc_engineers000000000000000000001';
const ACME_CHAT = 'oc_acme0000000000000000000000002';
const NOTE = 'NOTE-FEISHU-5521 customer runs a patched driver';

let fake: FakeOpenApi;
let app: RunningApp;
let wire: FeishuWire | undefined;

const cardsIn = (chat: string) => createdIn(fake, chat);

async function say(from: FeishuUser, chat: string, text: string, mentions: FeishuUser[] = []) {
  const before = cardsIn(chat).length;
  const res = await deliver(app.url, '/feishu/events', messageEvent(from, chat, 'group', text, mentions));
  expect(res).toMatchObject({ status: 200, body: {} });
  return replyIn(fake, chat, before, text);
}

/** Every request that reaches the customer's group: messages created there, and updates of those messages. */
function toCustomer(): string[] {
  const ids = new Set(cardsIn(ACME_CHAT).map((c) => c.message_id));
  return fake.requests
    .filter((r) => (r.method === 'POST' && r.path === '/open-apis/im/v1/messages' && (r.body as { receive_id?: string }).receive_id === ACME_CHAT) || ids.has(r.path.split('/').at(-1) ?? '') || ids.has(r.path.split('/').at(-2) ?? ''))
    .map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`);
}

beforeAll(async () => {
  wire = await startFeishuWire({ prefix: 'feishu-notes', admins: `feishu:${ADMIN.openId}`, log: wireLog('error') });
  ({ fake, app } = wire);
  await say(ADMIN, ENG_CHAT, 'aftercare subscribe tickets');
  await say(ADMIN, ENG_CHAT, 'aftercare role @Eve engineer', [ENGINEER]);
  await say(ADMIN, ACME_CHAT, '/aftercare org acme');
  // The customer's group follows its tickets too: it holds a copy of the card that changes with the ticket.
  await say(ADMIN, ACME_CHAT, 'aftercare subscribe tickets');
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('internal notes on Feishu (wire)', () => {
  it('shows a note to the engineers and never sends it to the customer’s group', async () => {
    expect(JSON.stringify((await say(CUSTOMER, ACME_CHAT, 'issue Printer jams on every job sev:S3')).content)).toContain('SUP-1');
    expect(JSON.stringify((await say(ENGINEER, ENG_CHAT, `issue note SUP-1 ${NOTE}`)).content)).toMatch(/Internal note added to SUP-1|已在 SUP-1 上添加内部备注/);
    await until(
      () => [...cardsIn(ENG_CHAT).map((c) => c.content), ...fake.patched().map((p) => p.content)].some((c) => JSON.stringify(c).includes('NOTE-FEISHU-5521') && /internal note|内部备注/.test(JSON.stringify(c))),
      'note in the engineers’ card',
    );
    await say(ENGINEER, ENG_CHAT, 'issue comment SUP-1 We are looking into it');
    expect(JSON.stringify((await say(ENGINEER, ACME_CHAT, 'issue show SUP-1')).content)).toContain('SUP-1');
    await say(ENGINEER, ENG_CHAT, 'issue resolve SUP-1 fixed-in:2.0.1');
    await until(() => toCustomer().some((r) => r.includes('Fixed in version 2.0.1.') || r.includes('修复版本：2.0.1。')), 'resolution notice');
    await until(() => toCustomer().some((r) => r.includes('We are looking into it')), 'public comment');
    await app.services.outbox.drain();
    expect(toCustomer().filter((r) => r.includes('SUP-1')).length).toBeGreaterThanOrEqual(4);
    expect(toCustomer().filter((r) => r.includes('NOTE-FEISHU-5521'))).toEqual([]);
  }, 30_000);
});
