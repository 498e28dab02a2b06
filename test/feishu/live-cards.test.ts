import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { wireLog } from '../helpers/wire-app.js';
import type { FakeOpenApi } from './fake-open-api.js';
import { startFeishuWire, type FeishuWire } from './support.js';
import { buttonValue, cardAction, deliver, messageEvent, type FeishuUser } from './feishu-events.js';

/**
 * One live card per ticket per chat, on the wire: encrypted, signed Feishu deliveries to the real
 * server and SDK, and a fake open API recording every create (im/v1/messages) and edit (PATCH
 * im/v1/messages/:id). A ticket shown in the customer's group, the engineers' group and the
 * escalation group is acknowledged (button), escalated (button + confirmation) and resolved;
 * every copy ends resolved with no buttons, and no group got a second card of it.
 */
const ADMIN: FeishuUser = { openId: 'ou_admin00000000000000000000000001', name: 'Ada' };
const ENGINEER: FeishuUser = { openId: 'ou_eng000000000000000000000000002', name: 'Eve' };
const CUSTOMER: FeishuUser = { openId: 'ou_cust00000000000000000000000003', name: 'Carl' };
const ENG = 'oc_engineers000000000000000000001';
const ACME = 'oc_acme0000000000000000000000002';
const ESC = 'oc_escalations00000000000000000003';

let fake: FakeOpenApi;
let app: RunningApp;
let wire: FeishuWire | undefined;

type Created = ReturnType<FakeOpenApi['created']>[number];
const title = (content: unknown) => JSON.stringify((content as { header?: unknown }).header ?? '');
/** Messages created in `chat` that are a card of ticket `id` (its header names it). */
const cardsOf = (id: string, chat: string) => fake.created().filter((c) => c.receive_id === chat && title(c.content).includes(`${id} ·`));
/** What a created card shows now: its last patch, else itself. */
const finalState = (card: Created) => fake.patched().filter((p) => p.message_id === card.message_id).at(-1)?.content ?? card.content;
const hasButtons = (content: unknown) => JSON.stringify(content).includes('"tag":"button"');

async function say(from: FeishuUser, chat: string, text: string, mentions: FeishuUser[] = []) {
  const res = await deliver(app.url, '/feishu/events', messageEvent(from, chat, 'group', text, mentions));
  expect(res.status).toBe(200);
  await app.inbound.drain();
  await app.outbox.drain();
}

async function click(from: FeishuUser, chat: string, messageId: string, value: Record<string, unknown>) {
  const res = await deliver(app.url, '/feishu/cards', cardAction(from, chat, messageId, value));
  expect(res.status).toBe(200);
  await app.inbound.drain();
  await app.outbox.drain();
  return res;
}

beforeAll(async () => {
  wire = await startFeishuWire({ prefix: 'feishu-live', admins: `feishu:${ADMIN.openId}`, log: wireLog('error') });
  ({ fake, app } = wire);
  await say(ADMIN, ENG, 'aftercare subscribe tickets');
  await say(ADMIN, ESC, 'aftercare subscribe escalations');
  await say(ADMIN, ENG, 'aftercare role @Eve engineer', [ENGINEER]);
  // The customer files on shop, so it must be one of acme's systems.
  await say(ADMIN, ACME, '/aftercare org acme systems:shop');
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('one live card per ticket in every Feishu chat that shows it', () => {
  it('acks, escalates and resolves a ticket: every copy ends resolved without buttons, one card per chat', async () => {
    await say(CUSTOMER, ACME, 'issue Checkout fails for all users sev:S2 system:shop');
    const eng = cardsOf('SUP-1', ENG)[0]!;
    expect(buttonValue(eng.content, 'issue.ack')).toEqual({ a: 'issue.ack', v: 'SUP-1' });
    expect(cardsOf('SUP-1', ACME)).toHaveLength(1);
    expect(hasButtons(cardsOf('SUP-1', ACME)[0]!.content)).toBe(false);

    const acked = await click(ENGINEER, ENG, eng.message_id, buttonValue(eng.content, 'issue.ack')!);
    expect(buttonValue(acked.body.card, 'issue.ack')).toBeUndefined();
    // Escalate: the button posts a confirmation question; its Yes answers with a card without buttons.
    await click(ENGINEER, ENG, eng.message_id, buttonValue(eng.content, 'escalate.start')!);
    const question = [...fake.created()].reverse().find((c) => c.receive_id === ENG && buttonValue(c.content, 'escalate.confirm'))!;
    const confirmed = await click(ENGINEER, ENG, question.message_id, buttonValue(question.content, 'escalate.confirm')!);
    const answered = fake.patched().filter((p) => p.message_id === question.message_id).at(-1)?.content ?? (confirmed.body.card as { data?: unknown } | undefined)?.data;
    expect(answered).toBeDefined();
    expect(hasButtons(answered)).toBe(false);
    expect((await app.services.tickets.get('SUP-1')).severity).toBe('S1');
    expect(cardsOf('SUP-1', ESC)).toHaveLength(1);
    const page = fake.created().filter((c) => c.receive_id === ESC && !title(c.content).includes('SUP-1 ·') && JSON.stringify(c.content).includes('SUP-1'));
    expect(page).toHaveLength(1);
    expect(hasButtons(page[0]!.content)).toBe(false);

    // Escalated to S1, so resolving needs a cause.
    await say(ENGINEER, ENG, 'issue resolve SUP-1 fixed-in:2.0.1 cause:code');
    expect((await app.services.tickets.get('SUP-1')).status).toBe('resolved');

    for (const chat of [ACME, ENG, ESC]) {
      const cards = cardsOf('SUP-1', chat);
      expect(cards, chat).toHaveLength(1);
      expect(fake.patched().some((p) => p.message_id === cards[0]!.message_id), chat).toBe(true);
      const now = JSON.stringify(finalState(cards[0]!));
      expect(now, chat).toMatch(/Resolved|已解决/);
      expect(now, chat).toContain('2.0.1');
      expect(hasButtons(finalState(cards[0]!)), chat).toBe(false);
      // Nothing else created in the chat carries a ticket button (the escalation question was answered above).
      const others = fake.created().filter((c) => c.receive_id === chat && c !== cards[0] && /"a":"(issue\.[a-z-]+|escalate\.start)"/.test(JSON.stringify(c.content)));
      expect(others, chat).toEqual([]);
    }
  }, 30_000);
});
