import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { wireLog } from '../helpers/wire-app.js';
import type { FakeCall, FakeSlack } from './fake-slack.js';
import { sendSigned } from './sign.js';
import { firstAnswer, slashForm, startSlackWire, type SlackWire } from './support.js';

/**
 * Internal notes on the wire: the real server and Bolt, signed slash commands, and a fake Slack
 * recording every call. A note written by an engineer shows in the engineers' channel and in no
 * call that reaches the customer's channel (posts, updates, ephemerals, response_urls).
 */

const SECRET = 'notes-signing-secret-0123456789';
const TEAM = 'T0NOTES';
const ACME = 'C0ACME';
const ENG = 'C0ENG';
const ADMIN = 'U0ADMIN';
const ENGINEER = 'U0ENG';
const CUSTOMER = 'U0CUST';
const NOTE = 'NOTE-SLACK-7731 customer runs a patched driver';

let fake: FakeSlack;
let app: RunningApp;
let wire: SlackWire | undefined;
let seq = 0;
/** response_url names of commands sent in the customer's channel: answers there reach the customer too. */
const acmeResponseUrls = new Set<string>();

/** Sends a slash command and waits for its answer (its response_url or a post in its channel). */
async function command(user: string, channel: string, cmd: string, text: string): Promise<FakeCall> {
  const name = `cmd-${++seq}`;
  if (channel === ACME) acmeResponseUrls.add(`response_url:${name}`);
  const form = slashForm({ team: TEAM, domain: 'notes', user, channel, command: cmd, text, responseUrl: fake.responseUrl(name), triggerId: `${seq}.${Date.now()}.notestrigger` });
  const before = fake.calls.length;
  const res = await sendSigned(`${app.url}/slack/events`, SECRET, { form });
  expect(res.status).toBe(200);
  return firstAnswer(fake, before, `response_url:${name}`, channel);
}

const toCustomer = (c: FakeCall) => c.body.channel === ACME || acmeResponseUrls.has(c.method);

beforeAll(async () => {
  wire = await startSlackWire({ prefix: 'slack-notes', db: 'notes', admins: `slack:${ADMIN}`, botToken: 'xoxb-notes-test-token', secret: SECRET, log: wireLog('warn') });
  ({ fake, app } = wire);
  await command(ADMIN, ACME, '/aftercare', 'org acme');
  await command(ADMIN, ENG, '/aftercare', 'subscribe tickets');
  // The customer's channel follows its tickets too: it holds a copy of the card that changes with the ticket.
  await command(ADMIN, ACME, '/aftercare', 'subscribe tickets');
  await command(ADMIN, ENG, '/aftercare', `role <@${ENGINEER}|eng> engineer`);
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('internal notes on Slack (wire)', () => {
  it('shows a note to the engineers and never sends it to the customer’s channel', async () => {
    await command(CUSTOMER, ACME, '/issue', 'Printer jams on every job sev:S3');
    await command(ENGINEER, ENG, '/issue', `note SUP-1 ${NOTE}`);
    await fake.waitFor((calls) => calls.some((c) => c.method.startsWith('response_url:') && JSON.stringify(c.body).includes('Internal note added to SUP-1')));
    // The engineers' copy of the card shows the note, marked internal.
    await fake.waitFor((calls) => calls.some((c) => c.body.channel === ENG && JSON.stringify(c.body).includes('NOTE-SLACK-7731') && JSON.stringify(c.body).includes('internal note')));
    // Public comment, an engineer looking at the ticket in the customer's channel, and resolution.
    await command(ENGINEER, ENG, '/issue', 'comment SUP-1 We are looking into it');
    const shown = await command(ENGINEER, ACME, '/issue', 'show SUP-1');
    expect(JSON.stringify(shown.body)).toContain('SUP-1');
    await command(ENGINEER, ENG, '/issue', 'resolve SUP-1 fixed-in:2.0.1');
    await fake.waitFor((calls) => calls.some((c) => c.body.channel === ACME && String(c.body.text ?? '').includes('Fixed in version 2.0.1.')));
    await fake.waitFor((calls) => calls.some((c) => c.body.channel === ACME && String(c.body.text ?? '').includes('We are looking into it')));
    await app.services.outbox.drain();
    const customerCalls = fake.calls.filter(toCustomer);
    // The customer's channel did get the ticket's card and notices…
    expect(customerCalls.filter((c) => JSON.stringify(c.body).includes('SUP-1')).length).toBeGreaterThanOrEqual(4);
    // …and not one of them carries the note.
    expect(customerCalls.filter((c) => JSON.stringify(c.body).includes('NOTE-SLACK-7731')).map((c) => c.method)).toEqual([]);
  }, 30_000);
});
