import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { wireLog, type WireApp } from '../helpers/wire-app.js';
import { FakeConnector, type ConnectorCall } from '../teams/fake-connector.js';
import { postActivity } from '../teams/module-server.js';
import { inConv, sayAndAwaitReply, startTeamsWire } from '../teams/support.js';
import { ACME_CHANNEL, ADMIN, cardClick, CUSTOMER, ENG_CHANNEL, ENGINEER, findAction, textOf, type TeamsUser } from '../teams/teams-activities.js';

/** Security incidents and improvement actions on Teams: real botbuilder, Bot Framework activities, a fake Bot Connector. */
const OUTSIDER: TeamsUser = { id: '29:otto', name: 'Otto Outsider', aadObjectId: 'aad-otto' };
/** A user's 1:1 chat with the bot. */
const personal = (u: TeamsUser) => `a:1on1-${u.aadObjectId}`;
const connector = new FakeConnector();
let app: RunningApp;
let wire: WireApp | undefined;

const shown = (c: ConnectorCall) => JSON.stringify(c.body);

const say = (from: TeamsUser, channel: string, text: string, mentions: TeamsUser[] = []) => sayAndAwaitReply(app.url, connector, from, channel, text, mentions);

beforeAll(async () => {
  wire = await startTeamsWire(connector, { prefix: 'teams-sec', log: wireLog('error') });
  app = wire.app;
});

afterAll(async () => {
  await wire?.stop();
});

describe('security incidents on Teams (wire)', () => {
  it('sends the checklist only to the allowed people\'s 1:1 chats and takes Done from the card', async () => {
    await say(ADMIN, ACME_CHANNEL, '/aftercare org acme');
    await say(ADMIN, ENG_CHANNEL, 'aftercare role <at>Eve Engineer</at> engineer', [ENGINEER]);
    expect(textOf(await say(ADMIN, ENG_CHANNEL, 'aftercare grant <at>Eve Engineer</at> security', [ENGINEER]))).toContain('security grant');
    await say(ADMIN, ACME_CHANNEL, 'aftercare contact <at>Megan Bowen</at> security', [CUSTOMER]);
    await say(OUTSIDER, ACME_CHANNEL, 'faq hello');
    for (const u of [ADMIN, ENGINEER, CUSTOMER, OUTSIDER]) await say(u, personal(u), 'aftercare help');

    expect(textOf(await say(ENGINEER, ENG_CHANNEL, 'security declare acme S1 Leaked secret'))).toContain('only in a direct conversation');
    expect(textOf(await say(ENGINEER, personal(ENGINEER), 'security declare acme S1 Leaked secret'))).toContain('SEC-1 declared for acme');
    const cardFor = (u: TeamsUser) => connector.calls.find((c) => inConv(personal(u))(c) && c.method === 'POST' && c.activityId === undefined && shown(c).includes('Leaked secret'));
    await connector.waitUntil(() => [ADMIN, ENGINEER, CUSTOMER].every((u) => cardFor(u)), 8000, 'checklist cards');
    const seen = new Set(connector.calls.filter((c) => shown(c).includes('Leaked secret')).map((c) => c.conversationId.split(';')[0]));
    expect(seen).toEqual(new Set([personal(ADMIN), personal(ENGINEER), personal(CUSTOMER)]));
    expect(shown(await say(OUTSIDER, personal(OUTSIDER), 'security'))).not.toContain('SEC-1');

    const card = cardFor(CUSTOMER)!;
    const done = findAction(card, 'security.done')!;
    const click = await postActivity(app.url, cardClick(connector.url, CUSTOMER, personal(CUSTOMER), card.responseId, done));
    expect(click.status).toBe(200);
    // The card's last Done button is step 6's; the card comes back with it done, by name.
    expect(JSON.stringify(click.body)).toMatch(/Report\W+done[^"]*Megan Bowen/);
  });

  it('records an improvement action and lists it', async () => {
    expect(textOf(await say(ENGINEER, ENG_CHANNEL, 'improve add Rotate secrets quarterly type:process cause:config'))).toContain('IMP-1');
    expect(shown(await say(ENGINEER, ENG_CHANNEL, 'improve'))).toContain('Rotate secrets quarterly');
  });
});
