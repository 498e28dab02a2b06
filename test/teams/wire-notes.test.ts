import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { wireLog, type WireApp } from '../helpers/wire-app.js';
import { FakeConnector } from './fake-connector.js';
import { inConv, sayAndAwaitReply, startTeamsWire } from './support.js';
import { ACME_CHANNEL, ADMIN, CUSTOMER, ENG_CHANNEL, ENGINEER, textOf, type TeamsUser } from './teams-activities.js';

/**
 * Internal notes on the wire: the real server with the real botbuilder CloudAdapter, Bot Framework
 * activities over HTTP, and a fake Bot Connector recording every call. A note shows in the
 * engineers' channel and in no call to the customer's channel (replies, posts, updates).
 */
const connector = new FakeConnector();
let app: RunningApp;
let wire: WireApp | undefined;
const NOTE = 'NOTE-TEAMS-4417 customer runs a patched driver';


const say = (from: TeamsUser, channel: string, text: string, mentions: TeamsUser[] = []) => sayAndAwaitReply(app.url, connector, from, channel, text, mentions);

beforeAll(async () => {
  wire = await startTeamsWire(connector, { prefix: 'teams-notes', log: wireLog('warn') });
  app = wire.app;
  await say(ADMIN, ENG_CHANNEL, 'aftercare subscribe tickets');
  await say(ADMIN, ENG_CHANNEL, 'aftercare role <at>Eve Engineer</at> engineer', [ENGINEER]);
  await say(ADMIN, ACME_CHANNEL, '/aftercare org acme');
  // The customer's channel follows its tickets too: it holds a copy of the card that changes with the ticket.
  await say(ADMIN, ACME_CHANNEL, 'aftercare subscribe tickets');
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('internal notes on Teams (wire)', () => {
  it('shows a note to the engineers and never sends it to the customer’s channel', async () => {
    expect(textOf(await say(CUSTOMER, ACME_CHANNEL, 'issue Printer jams on every job sev:S3'))).toContain('SUP-1');
    expect(textOf(await say(ENGINEER, ENG_CHANNEL, `issue note SUP-1 ${NOTE}`))).toContain('Internal note added to SUP-1');
    await connector.waitUntil((calls) => calls.some((c) => inConv(ENG_CHANNEL)(c) && JSON.stringify(c.body).includes('NOTE-TEAMS-4417') && JSON.stringify(c.body).includes('internal note')), 8000, 'note in the engineers’ card');
    await say(ENGINEER, ENG_CHANNEL, 'issue comment SUP-1 We are looking into it');
    expect(JSON.stringify((await say(ENGINEER, ACME_CHANNEL, 'issue show SUP-1')).body)).toContain('SUP-1');
    await say(ENGINEER, ENG_CHANNEL, 'issue resolve SUP-1 fixed-in:2.0.1');
    await connector.waitUntil((calls) => calls.some((c) => inConv(ACME_CHANNEL)(c) && textOf(c).includes('Fixed in version 2.0.1.')), 8000, 'resolution notice');
    await connector.waitUntil((calls) => calls.some((c) => inConv(ACME_CHANNEL)(c) && textOf(c).includes('We are looking into it')), 8000, 'public comment');
    await app.services.outbox.drain();
    const customerCalls = connector.calls.filter(inConv(ACME_CHANNEL));
    expect(customerCalls.filter((c) => JSON.stringify(c.body).includes('SUP-1')).length).toBeGreaterThanOrEqual(4);
    expect(customerCalls.filter((c) => JSON.stringify(c.body).includes('NOTE-TEAMS-4417')).map((c) => `${c.method} ${c.path}`)).toEqual([]);
  }, 30_000);
});
