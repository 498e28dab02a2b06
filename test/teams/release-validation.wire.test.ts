import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { TOKEN } from '../hooks/support.js';
import { wireLog, type WireApp } from '../helpers/wire-app.js';
import { FakeConnector, type ConnectorCall } from './fake-connector.js';
import { postActivity } from './module-server.js';
import { inConv, sayAndAwaitReply, startTeamsWire } from './support.js';
import { ACME_CHANNEL, ADMIN, cardClick, ENG_CHANNEL, ENGINEER, findAction, textOf, type TeamsUser } from './teams-activities.js';

/**
 * Release validation on Teams, over the wire: Bot Framework activities to the real CloudAdapter,
 * Action.Execute invokes on the UAT cards, CI's pytest report through the hook, and only the Bot
 * Connector faked on loopback.
 */
const GLOBEX_CHANNEL = '19:globex-support@thread.tacv2';
const ALICE: TeamsUser = { id: '29:alice', name: 'Alice Acme', aadObjectId: 'aad-alice' };
const DANA: TeamsUser = { id: '29:dana', name: 'Dana Approver', aadObjectId: 'aad-dana' };
const GUS: TeamsUser = { id: '29:gus', name: 'Gus Globex', aadObjectId: 'aad-gus' };
const junit = (name: string) => readFileSync(new URL(`../fixtures/junit/${name}`, import.meta.url), 'utf8');

const connector = new FakeConnector();
let app: RunningApp;
let wire: WireApp | undefined;


const say = (from: TeamsUser, channel: string, text: string, mentions: TeamsUser[] = []) => sayAndAwaitReply(app.url, connector, from, channel, text, mentions);

/** Clicks `actionId` on a card message as `from`; resolves with the invoke answer and the replies that followed in the channel. */
async function click(from: TeamsUser, channel: string, card: ConnectorCall, actionId: string, expectText?: string) {
  const before = connector.calls.length;
  const res = await postActivity(app.url, cardClick(connector.url, from, channel, card.responseId, findAction(card, actionId)!));
  expect(res.status).toBe(200);
  if (expectText) await connector.waitUntil((calls) => calls.slice(before).some((c) => inConv(channel)(c) && textOf(c).includes(expectText)), 8000, expectText);
  return res.body;
}

const uatCard = (channel: string, org: string) =>
  connector.calls.find((c) => inConv(channel)(c) && c.method === 'POST' && JSON.stringify(findAction(c, 'release.approve')?.data ?? {}).includes(`2.0.0|${org}`));

async function ci(body: string, query: string) {
  const res = await fetch(`${app.url}/hooks/releases/tests?${query}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/xml' }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  wire = await startTeamsWire(connector, { prefix: 'teams-release', env: { AFTERCARE_HOOK_TOKEN: TOKEN }, log: wireLog('error') });
  app = wire.app;
  // Both organisations run crm: only then may their customers file about it (isolation).
  await say(ADMIN, ACME_CHANNEL, 'aftercare org acme systems:crm');
  await say(ADMIN, GLOBEX_CHANNEL, 'aftercare org globex systems:crm');
  await say(ADMIN, ENG_CHANNEL, 'aftercare role <at>Eve Engineer</at> engineer', [ENGINEER]);
  expect(textOf(await say(ADMIN, ACME_CHANNEL, 'aftercare approver <at>Dana Approver</at>', [DANA]))).toContain('acme');
  await say(ADMIN, GLOBEX_CHANNEL, 'aftercare approver <at>Gus Globex</at>', [GUS]);
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('release validation on Teams (wire)', () => {
  it('gates publication on CI’s suites and each organisation’s approval, then tells both organisations’ reporters', async () => {
    expect(textOf(await say(ALICE, ACME_CHANNEL, 'issue Prices are wrong sev:S2 system:crm'))).toContain('SUP-1');
    expect(textOf(await say(GUS, GLOBEX_CHANNEL, 'issue Quotes fail sev:S3 system:crm'))).toContain('SUP-2');
    // An S2 needs a cause to resolve.
    await say(ENGINEER, ENG_CHANNEL, 'issue resolve SUP-1 fixed-in:2.0.0 cause:code');
    await say(ENGINEER, ENG_CHANNEL, 'issue resolve SUP-2 fixed-in:2.0.0');
    expect(textOf(await say(ENGINEER, ENG_CHANNEL, 'release plan 2.0.0 system:crm'))).toContain('acme, globex');
    await connector.waitUntil(() => uatCard(ACME_CHANNEL, 'acme') !== undefined && uatCard(GLOBEX_CHANNEL, 'globex') !== undefined, 8000, 'UAT cards');
    expect(connector.calls.some((c) => inConv(GLOBEX_CHANNEL)(c) && JSON.stringify(c.body).includes('2.0.0|acme'))).toBe(false);

    // CI: a pytest run with a failing case under the suite name "integration".
    const failing = junit('pytest-passing.xml').replace('<testcase classname="tests.test_pricing" name="test_rounding" time="0.001" />', '<testcase classname="tests.test_pricing" name="test_rounding" time="0.001"><failure message="assert 9.99 == 10.0">assert 9.99 == 10.0</failure></testcase>');
    expect((await ci(failing, 'version=2.0.0&suite=integration')).json).toMatchObject({ suites: [{ suite: 'integration', passed: 2, failed: 1 }] });
    expect(textOf(await say(ENGINEER, ENG_CHANNEL, 'release-notes publish 2.0.0'))).toContain('suite integration failed (1 of 4)');
    expect((await ci(junit('pytest-passing.xml'), 'version=2.0.0&suite=integration')).json).toMatchObject({ suites: [{ suite: 'integration', passed: 3, failed: 0 }] });

    const acmeCard = uatCard(ACME_CHANNEL, 'acme')!;
    await click(ALICE, ACME_CHANNEL, acmeCard, 'release.approve', 'Only an approver of acme');
    await click(GUS, ACME_CHANNEL, acmeCard, 'release.approve', 'Only an approver of acme');
    expect((await app.services.validation.load('2.0.0')).uat.acme).toEqual({ state: 'pending' });
    const approved = await click(DANA, ACME_CHANNEL, acmeCard, 'release.approve');
    expect(approved).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(JSON.stringify(approved)).toContain('accepted by Dana Approver');

    const stillRefused = textOf(await say(ENGINEER, ENG_CHANNEL, 'release-notes publish 2.0.0'));
    expect(stillRefused).toContain('globex has not approved');
    expect(stillRefused).not.toContain('integration');

    await click(GUS, GLOBEX_CHANNEL, uatCard(GLOBEX_CHANNEL, 'globex')!, 'release.approve');
    const mark = connector.calls.length;
    expect(textOf(await say(ENGINEER, ENG_CHANNEL, 'release-notes publish 2.0.0'))).toContain('Release 2.0.0 published');
    const told = (channel: string, id: string) => (calls: ConnectorCall[]) => calls.slice(mark).some((c) => inConv(channel)(c) && textOf(c).includes(id) && textOf(c).includes('2.0.0'));
    await connector.waitUntil(told(ACME_CHANNEL, 'SUP-1'), 8000, 'acme reporter told');
    await connector.waitUntil(told(GLOBEX_CHANNEL, 'SUP-2'), 8000, 'globex reporter told');
  }, 60_000);
});
