import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { wireLog } from '../helpers/wire-app.js';
import type { FakeCall, FakeSlack } from './fake-slack.js';
import { sendSigned } from './sign.js';
import { blockAction, slashForm, startSlackWire, type Block, type SlackWire } from './support.js';
import { sendDigest } from '../../src/domain/digest/send.js';

/**
 * One live card per ticket per conversation, on the wire: a ticket shown in the customer's
 * channel, the engineers' channel and the escalation channel is acknowledged (button), escalated
 * (button + confirmation) and resolved (command); every copy Slack holds ends resolved with no
 * buttons, and no channel ever got a second card of the ticket. Asserted on what the fake Web API
 * and response_urls received.
 */
const SECRET = 'live-cards-signing-secret-0123456789';
const TEAM = 'T0LIVE';
const ACME = 'C0ACME';
const ENG = 'C0ENG';
const ESC = 'C0ESC';
const ADMIN = 'U0ADMIN';
const ENGINEER = 'U0ENG';
const CUSTOMER = 'U0CUST';

let fake: FakeSlack;
let app: RunningApp;
let wire: SlackWire | undefined;
let seq = 0;

const blocksOf = (c: FakeCall) => (c.body.blocks as Block[] | undefined) ?? [];
const buttons = (c: FakeCall) => blocksOf(c).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
const header = (c: FakeCall) => blocksOf(c).find((b) => b.type === 'header')?.text?.text ?? '';

async function send(body: Parameters<typeof sendSigned>[2]) {
  const res = await sendSigned(`${app.url}/slack/events`, SECRET, body);
  expect(res.status).toBe(200);
}

async function slash(user: string, channel: string, command: string, text: string) {
  const n = ++seq;
  await send({ form: slashForm({ team: TEAM, user, channel, command, text, responseUrl: fake.responseUrl(`cmd-${n}`), triggerId: `${n}.${Date.now()}.trigger` }) });
  // Slack has its ack; the command has run once the inbound queue is idle.
  await app.inbound.drain();
}

async function click(user: string, channel: string, ts: string, action: { action_id: string; value: string }) {
  const n = ++seq;
  await send({
    payload: blockAction({ team: TEAM, domain: 'live', user, channel, messageTs: ts, triggerId: `${n}.${Date.now()}.click`, responseUrl: fake.responseUrl(`click-${n}`), action }),
  });
  await app.inbound.drain();
}

/** Every message posted to `channel` that is a card of `id` (its header names it). */
const cardsOf = (id: string, channel: string) =>
  fake.callsTo('chat.postMessage').filter((c) => c.status === 200 && c.body.channel === channel && header(c).includes(`${id} ·`));

/** What a posted message shows now: its last chat.update, else itself. */
function finalState(post: FakeCall): FakeCall {
  const ts = (post.response as { ts: string }).ts;
  return fake.callsTo('chat.update').filter((c) => c.body.channel === post.body.channel && c.body.ts === ts).at(-1) ?? post;
}

beforeAll(async () => {
  wire = await startSlackWire({ prefix: 'slack-live', db: 'live', admins: `slack:${ADMIN}`, botToken: 'xoxb-live-test-token', secret: SECRET, log: wireLog('error') });
  ({ fake, app } = wire);
  // The customer files for their organisation's system `shop`, which only an admin registers (issue 16).
  await slash(ADMIN, ACME, '/aftercare', 'org acme systems:shop');
  await slash(ADMIN, ENG, '/aftercare', 'subscribe tickets');
  await slash(ADMIN, ESC, '/aftercare', 'subscribe escalations');
  await slash(ADMIN, ENG, '/aftercare', `role <@${ENGINEER}|eng> engineer`);
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('one live card per ticket in every Slack channel that shows it', () => {
  it('acks, escalates and resolves a ticket: every copy ends resolved without buttons, one card per channel', async () => {
    await slash(CUSTOMER, ACME, '/issue', 'Checkout fails for all users sev:S2 system:shop');
    await app.outbox.drain();
    const eng = cardsOf('SUP-1', ENG)[0]!;
    expect(buttons(eng).map((b) => b.action_id)).toEqual(expect.arrayContaining(['issue.ack', 'escalate.start']));
    // The customer's channel shows the ticket's card too, without staff buttons.
    expect(cardsOf('SUP-1', ACME)).toHaveLength(1);
    expect(buttons(cardsOf('SUP-1', ACME)[0]!)).toEqual([]);
    const engTs = (eng.response as { ts: string }).ts;

    // Ack by button, escalate by button and confirmation, resolve by command.
    await click(ENGINEER, ENG, engTs, { action_id: 'issue.ack', value: 'SUP-1' });
    await app.outbox.drain();
    await click(ENGINEER, ENG, engTs, { action_id: 'escalate.start', value: 'SUP-1' });
    await click(ENGINEER, ENG, engTs, { action_id: 'escalate.confirm', value: 'SUP-1' });
    await app.outbox.drain();
    // The escalation channel was paged: the live card, then a short notice pointing to it.
    expect(cardsOf('SUP-1', ESC)).toHaveLength(1);
    const page = fake.callsTo('chat.postMessage').filter((c) => c.body.channel === ESC && !header(c) && String(c.body.text).includes('SUP-1'));
    expect(page).toHaveLength(1);
    expect(String(page[0]!.body.text)).toMatch(/escalated to S1/);
    expect(buttons(page[0]!)).toEqual([]);
    expect((await app.services.tickets.get('SUP-1')).severity).toBe('S1');

    // Escalated to S1, it resolves only with a cause from the taxonomy (issue 18).
    await slash(ENGINEER, ENG, '/issue', 'resolve SUP-1 fixed-in:2.0.1 cause:code');
    await app.outbox.drain();

    for (const channel of [ACME, ENG, ESC]) {
      const cards = cardsOf('SUP-1', channel);
      expect(cards, channel).toHaveLength(1);
      const now = finalState(cards[0]!);
      expect(now.method, channel).toBe('chat.update');
      expect(JSON.stringify(now.body.blocks), channel).toContain('Resolved');
      expect(JSON.stringify(now.body.blocks), channel).toContain('2.0.1');
      expect(buttons(now), channel).toEqual([]);
      // Nothing else posted to the channel carries a button of the ticket…
      const others = fake.callsTo('chat.postMessage').filter((c) => c.body.channel === channel && c !== cards[0] && buttons(c).some((b) => b.value === 'SUP-1'));
      if (channel === ENG) {
        // …but the resolving engineer's answer: a card titled with the resolution, whose one button adds an improvement action.
        expect(others, channel).toHaveLength(1);
        expect(header(others[0]!)).toMatch(/SUP-1 resolved in version 2\.0\.1/);
        expect(buttons(others[0]!).map((b) => [b.action_id, b.value])).toEqual([['improve.new', 'SUP-1']]);
      } else {
        expect(others, channel).toEqual([]);
      }
    }
    // No response_url ever posted a second card of the ticket: its calls only replaced the clicked message or answered briefly.
    const viaResponseUrl = fake.calls.filter((c) => c.method.startsWith('response_url:') && c.body.replace_original !== true);
    expect(viaResponseUrl.filter((c) => blocksOf(c).some((b) => b.type === 'header' && b.text?.text?.includes('SUP-1 ·')))).toEqual([]);
  }, 30_000);

  it('shows the digest chart inline as an image block, on demand and scheduled', async () => {
    await slash(ADMIN, ESC, '/aftercare', 'subscribe digest');
    const imagesIn = (calls: FakeCall[]) =>
      calls.flatMap((c) => ((c.body.blocks as Array<{ type: string; image_url?: string; alt_text?: string }> | undefined) ?? []).filter((b) => b.type === 'image'));
    const mark = fake.calls.length;
    await slash(ADMIN, ESC, '/digest', '');
    await app.outbox.drain();
    await sendDigest(app.services, { publicUrl: app.url }, app.log, 'slack-live');
    await app.outbox.drain();
    const images = imagesIn(fake.calls.slice(mark).filter((c) => c.method === 'chat.postMessage' || c.method.startsWith('response_url:')));
    expect(images).toHaveLength(2);
    for (const image of images) {
      const path = /\/charts\/[a-f0-9]{32}\.png$/.exec(image.image_url ?? '')?.[0];
      expect(path).toBeDefined();
      expect(image.alt_text).toMatch(/8 weeks/);
      const res = await fetch(`${app.url}${path}`);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await res.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    }
  });
});

