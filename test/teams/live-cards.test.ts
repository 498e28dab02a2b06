import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { sendDigest } from '../../src/domain/digest/send.js';
import { wireLog, type WireApp } from '../helpers/wire-app.js';
import { FakeConnector, type ConnectorCall } from './fake-connector.js';
import { postActivity } from './module-server.js';
import { startTeamsWire } from './support.js';
import { ACME_CHANNEL, ADMIN, cardClick, commandMessage, CUSTOMER, ENG_CHANNEL, ENGINEER, findAction, type TeamsUser } from './teams-activities.js';

/**
 * One live card per ticket per conversation, on the wire: the real server and botbuilder, Bot
 * Framework activities over HTTP, a fake Bot Connector recording every send (POST) and edit (PUT
 * …/activities/<id>, updateActivity). A ticket shown in the customer's channel, the engineers'
 * channel and the escalation channel is acknowledged, escalated (button + confirmation) and
 * resolved; every copy ends resolved with no buttons and no channel got a second card.
 */
const ESC_CHANNEL = '19:escalations@thread.tacv2';
const connector = new FakeConnector();
let app: RunningApp;
let wire: WireApp | undefined;

const channelOf = (c: ConnectorCall) => c.conversationId.split(';')[0]!;
const isEdit = (c: ConnectorCall) => c.method === 'PUT';
const cardJson = (c: ConnectorCall) => JSON.stringify((c.body.attachments as Array<{ content: unknown }> | undefined)?.[0]?.content ?? null);
/** Sends (posts and replies) into `channel` that carry a card of ticket `id` (its title names it). */
const cardsOf = (id: string, channel: string) => connector.calls.filter((c) => c.method === 'POST' && channelOf(c) === channel && cardJson(c).includes(`${id} ·`));
/** What a sent card shows now: its last edit, else itself. */
const finalState = (post: ConnectorCall) => connector.calls.filter((c) => isEdit(c) && c.activityId === post.responseId).at(-1) ?? post;
const actionsIn = (c: ConnectorCall) => (cardJson(c).match(/"type":"Action\.Execute"/g) ?? []).length;

/** The Action.Execute with `verb` anywhere in a card, an activity or an invoke answer. */
function findExecute(root: unknown, verb: string): { verb: string; data: Record<string, unknown> } | undefined {
  const stack: unknown[] = [root];
  while (stack.length) {
    const el = stack.pop();
    if (!el || typeof el !== 'object') continue;
    const o = el as { type?: string; verb?: string; data?: Record<string, unknown> };
    if (o.type === 'Action.Execute' && o.verb === verb) return { verb, data: o.data ?? {} };
    stack.push(...Object.values(el));
  }
  return undefined;
}

async function say(from: TeamsUser, channel: string, text: string, mentions: TeamsUser[] = []) {
  const res = await postActivity(app.url, commandMessage(connector.url, from, channel, text, mentions));
  expect(res.status).toBe(200);
  await app.inbound.drain();
  await app.outbox.drain();
}

async function click(from: TeamsUser, channel: string, messageId: string, action: { verb: string; data: Record<string, unknown> }) {
  const res = await postActivity(app.url, cardClick(connector.url, from, channel, messageId, action));
  expect(res.status).toBe(200);
  await app.inbound.drain();
  await app.outbox.drain();
  return res;
}

beforeAll(async () => {
  wire = await startTeamsWire(connector, { prefix: 'teams-live', log: wireLog('error') });
  app = wire.app;
  await say(ADMIN, ENG_CHANNEL, 'aftercare subscribe tickets');
  await say(ADMIN, ESC_CHANNEL, 'aftercare subscribe escalations');
  await say(ADMIN, ENG_CHANNEL, 'aftercare role <at>Eve Engineer</at> engineer', [ENGINEER]);
  // acme runs shop: only then may its customers file about it (isolation).
  await say(ADMIN, ACME_CHANNEL, '/aftercare org acme systems:shop');
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('one live card per ticket in every Teams conversation that shows it', () => {
  it('acks, escalates and resolves a ticket: every copy ends resolved without buttons, one card per channel', async () => {
    await say(CUSTOMER, ACME_CHANNEL, 'issue Checkout fails for all users sev:S2 system:shop');
    const eng = cardsOf('SUP-1', ENG_CHANNEL)[0]!;
    expect(findAction(eng, 'issue.ack')).toBeDefined();
    expect(cardsOf('SUP-1', ACME_CHANNEL)).toHaveLength(1);
    expect(actionsIn(cardsOf('SUP-1', ACME_CHANNEL)[0]!)).toBe(0);

    await click(ENGINEER, ENG_CHANNEL, eng.responseId, findAction(eng, 'issue.ack')!);
    // Escalate: the button asks first; the answer carries the confirmation's own buttons.
    const asked = await click(ENGINEER, ENG_CHANNEL, eng.responseId, findAction(eng, 'escalate.start')!);
    const question = [...connector.calls].reverse().find((c) => /"verb":"escalate\.confirm"/.test(cardJson(c)));
    const confirm = findExecute(question?.body ?? asked.body, 'escalate.confirm');
    expect(confirm).toBeDefined();
    const confirmed = await click(ENGINEER, ENG_CHANNEL, question?.responseId ?? eng.responseId, confirm!);
    // Teams replaces the question with the card in the invoke's answer: no buttons left on it.
    expect(confirmed.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(JSON.stringify(confirmed.body)).not.toContain('Action.Execute');
    expect((await app.services.tickets.get('SUP-1')).severity).toBe('S1');
    expect(cardsOf('SUP-1', ESC_CHANNEL)).toHaveLength(1);
    const page = connector.calls.filter((c) => c.method === 'POST' && channelOf(c) === ESC_CHANNEL && !cardJson(c).includes('SUP-1 ·') && JSON.stringify(c.body).includes('escalated to S1'));
    expect(page).toHaveLength(1);
    expect(actionsIn(page[0]!)).toBe(0);

    // Escalated to S1, it needs a cause to resolve.
    await say(ENGINEER, ENG_CHANNEL, 'issue resolve SUP-1 fixed-in:2.0.1 cause:code');

    for (const channel of [ACME_CHANNEL, ENG_CHANNEL, ESC_CHANNEL]) {
      const cards = cardsOf('SUP-1', channel);
      expect(cards, channel).toHaveLength(1);
      const now = finalState(cards[0]!);
      expect(isEdit(now), channel).toBe(true);
      expect(cardJson(now), channel).toContain('Resolved');
      expect(cardJson(now), channel).toContain('2.0.1');
      expect(actionsIn(now), channel).toBe(0);
      // Nothing else sent to the channel carries a ticket button (the escalation question was answered above).
      const others = connector.calls.filter((c) => c.method === 'POST' && channelOf(c) === channel && c !== cards[0] && /"verb":"(issue\.[a-z-]+|escalate\.start)"/.test(cardJson(c)));
      expect(others.map(cardJson), channel).toEqual([]);
    }
  }, 30_000);

  it('shows the digest chart inline as an Adaptive Card image, on demand and scheduled', async () => {
    await say(ADMIN, ESC_CHANNEL, 'aftercare subscribe digest');
    const mark = connector.calls.length;
    await say(ADMIN, ESC_CHANNEL, 'digest');
    await sendDigest(app.services, { publicUrl: app.url }, app.log, 'teams-live');
    await app.outbox.drain();
    const images = connector.calls.slice(mark).flatMap((c) => [...cardJson(c).matchAll(/"type":"Image","url":"([^"]+)"/g)].map((m) => m[1]!));
    expect(images).toHaveLength(2);
    for (const url of images) {
      const path = /\/charts\/[a-f0-9]{32}\.png$/.exec(url)?.[0];
      expect(path).toBeDefined();
      const res = await fetch(`${app.url}${path}`);
      expect(res.headers.get('content-type')).toBe('image/png');
    }
  });
});

