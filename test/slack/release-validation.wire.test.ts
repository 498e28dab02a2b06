import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { wireLog } from '../helpers/wire-app.js';
import { TOKEN } from '../hooks/support.js';
import type { FakeCall, FakeSlack } from './fake-slack.js';
import { sendSigned } from './sign.js';
import { blockAction, firstAnswer, slashForm, startSlackWire, viewSubmission, type OpenedView, type SlackWire } from './support.js';

/**
 * Release validation on Slack, over the wire: signed slash commands and block actions through Bolt,
 * CI's JUnit XML through the hook, and a fake Slack Web API recording every post.
 */
const SECRET = 'release-signing-secret-0123456789';
const TEAM = 'T0REL';
const ACME = 'C0ACME';
const GLOBEX = 'C0GLOBEX';
const ENG = 'C0ENG';
const ADMIN = 'U0ADMIN';
const ENGINEER = 'U0ENG';
const ALICE = 'U0ALICE'; // acme customer, not an approver
const DANA = 'U0DANA'; // acme approver
const GUS = 'U0GUS'; // globex customer and approver
const junit = (name: string) => readFileSync(new URL(`../fixtures/junit/${name}`, import.meta.url), 'utf8');

let fake: FakeSlack;
let app: RunningApp;
let wire: SlackWire | undefined;
let seq = 0;

const textOf = (c: FakeCall) => String(c.body.text ?? '');
const send = (body: Parameters<typeof sendSigned>[2]) => sendSigned(`${app.url}/slack/events`, SECRET, body);

/** A slash command; resolves with the first answer to it (its response_url, or a post in its channel). */
async function command(user: string, channel: string, cmd: string, text: string): Promise<FakeCall> {
  const name = `cmd-${++seq}`;
  const before = fake.calls.length;
  const form = slashForm({ team: TEAM, user, channel, command: cmd, text, responseUrl: fake.responseUrl(name), triggerId: `${seq}.${Date.now()}.trigger` });
  expect((await send({ form })).status).toBe(200);
  return firstAnswer(fake, before, `response_url:${name}`, channel);
}

/** Clicks a button of a posted message; resolves with what its response_url got. */
async function click(user: string, channel: string, message: FakeCall, actionId: string, answeredBy?: string): Promise<FakeCall[]> {
  const name = `click-${++seq}`;
  const element = ((message.body.blocks as Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>) ?? [])
    .flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []))
    .find((e) => e.action_id === actionId)!;
  expect(element).toBeDefined();
  const body = blockAction({
    team: TEAM,
    domain: 'rel',
    user,
    channel,
    messageTs: (message.response as { ts: string }).ts,
    triggerId: `${seq}.${Date.now()}.click`,
    responseUrl: fake.responseUrl(name),
    action: { action_id: actionId, value: element.value! },
  });
  const before = fake.calls.length;
  expect((await send({ payload: body })).status).toBe(200);
  if (answeredBy) {
    await fake.waitFor((calls) => calls.slice(before).some((c) => c.method === answeredBy));
    return fake.calls.slice(before).filter((c) => c.method === answeredBy);
  }
  await fake.waitFor((calls) => calls.some((c) => c.method === `response_url:${name}`));
  return fake.callsTo(`response_url:${name}`);
}

const uatCardIn = (channel: string, org: string) =>
  fake.callsTo('chat.postMessage').find((c) => c.body.channel === channel && c.status === 200 && JSON.stringify(c.body.blocks ?? []).includes(`2.0.0|${org}`));

async function ci(body: string, query: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${app.url}/hooks/releases/tests?${query}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/xml' }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  wire = await startSlackWire({ prefix: 'slack-release', db: 'wire', admins: `slack:${ADMIN}`, botToken: 'xoxb-release-test-token', secret: SECRET, env: { AFTERCARE_HOOK_TOKEN: TOKEN }, log: wireLog('warn') });
  ({ fake, app } = wire);
  // Customers file for their organisation's systems, which only an admin registers (issue 16).
  await command(ADMIN, ACME, '/aftercare', 'org acme systems:crm');
  await command(ADMIN, GLOBEX, '/aftercare', 'org globex systems:crm');
  await command(ADMIN, ENG, '/aftercare', `role <@${ENGINEER}|eng> engineer`);
  await command(ADMIN, ACME, '/aftercare', `approver <@${DANA}|dana>`);
  await command(ADMIN, GLOBEX, '/aftercare', `approver <@${GUS}|gus>`);
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('release validation on Slack (wire)', () => {
  it('gates publication on CI’s suites and each organisation’s approval, then tells both organisations’ reporters', async () => {
    expect(textOf(await command(ALICE, ACME, '/issue', 'Prices are wrong sev:S2 system:crm'))).toContain('SUP-1');
    expect(textOf(await command(GUS, GLOBEX, '/issue', 'Quotes fail sev:S3 system:crm'))).toContain('SUP-2');
    // SUP-1 is S2, so it resolves only with a cause (issue 18); SUP-2 (S3) needs none.
    expect(textOf(await command(ENGINEER, ENG, '/issue', 'resolve SUP-1 fixed-in:2.0.0 cause:code'))).toContain('SUP-1 resolved');
    expect(textOf(await command(ENGINEER, ENG, '/issue', 'resolve SUP-2 fixed-in:2.0.0'))).toContain('SUP-2 resolved');

    expect(textOf(await command(ENGINEER, ENG, '/release', 'plan 2.0.0 system:crm New pricing rules'))).toContain('acme, globex');
    await fake.waitFor(() => uatCardIn(ACME, 'acme') !== undefined && uatCardIn(GLOBEX, 'globex') !== undefined);
    // Each organisation sees only its own acceptance request.
    expect(fake.callsTo('chat.postMessage').some((c) => c.body.channel === GLOBEX && JSON.stringify(c.body.blocks ?? []).includes('2.0.0|acme'))).toBe(false);

    // CI reports a Surefire run with a failing test: publication is refused naming the suite.
    const failing = await ci(junit('surefire-failing.xml'), 'version=2.0.0');
    expect(failing).toMatchObject({ status: 200, json: { suites: [{ suite: 'com.example.crm.PricingTest', passed: 2, failed: 1 }] } });
    const refused = await command(ENGINEER, ENG, '/release-notes', 'publish 2.0.0');
    expect(refused.body).toMatchObject({ response_type: 'ephemeral' });
    expect(textOf(refused)).toContain('suite com.example.crm.PricingTest failed (1 of 3)');
    // CI reports the suite passing.
    const fixedRun = junit('surefire-failing.xml').replace(/<failure[\s\S]*?<\/failure>/, '').replace('failures="1"', 'failures="0"');
    expect((await ci(fixedRun, 'version=2.0.0')).json).toMatchObject({ suites: [{ suite: 'com.example.crm.PricingTest', passed: 3, failed: 0 }] });

    // On acme's card: a non-approver of acme and globex's approver are refused; acme's approver approves.
    const acmeCard = uatCardIn(ACME, 'acme')!;
    for (const user of [ALICE, GUS]) {
      const answer = await click(user, ACME, acmeCard, 'release.approve');
      expect(answer.map(textOf).join('\n')).toContain('Only an approver of acme');
    }
    expect((await app.services.validation.load('2.0.0')).uat.acme).toEqual({ state: 'pending' });
    const approved = await click(DANA, ACME, acmeCard, 'release.approve');
    expect(approved.some((c) => c.body.replace_original === true && JSON.stringify(c.body.blocks).includes('accepted by'))).toBe(true);

    const stillRefused = textOf(await command(ENGINEER, ENG, '/release-notes', 'publish 2.0.0'));
    expect(stillRefused).toContain('globex has not approved');
    expect(stillRefused).not.toContain('PricingTest');
    expect(stillRefused).not.toContain('acme has not');

    await click(GUS, GLOBEX, uatCardIn(GLOBEX, 'globex')!, 'release.approve');
    const mark = fake.calls.length;
    const published = await command(ENGINEER, ENG, '/release-notes', 'publish 2.0.0');
    expect(textOf(published)).toContain('Release 2.0.0 published');
    expect(JSON.stringify(published.body.blocks)).toContain('acme: accepted by');
    // Both organisations' reporters are told their fix shipped.
    const told = (channel: string, id: string) => (calls: FakeCall[]) =>
      calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === channel && textOf(c).includes(id) && textOf(c).includes('2.0.0'));
    await fake.waitFor(told(ACME, 'SUP-1'));
    await fake.waitFor(told(GLOBEX, 'SUP-2'));
  }, 60_000);

  it('takes a rejection with its reason from the Slack modal the Reject button opens', async () => {
    await command(ENGINEER, ENG, '/release', 'plan 2.1.0 system:crm');
    await fake.waitFor(() => fake.callsTo('chat.postMessage').some((c) => c.body.channel === ACME && JSON.stringify(c.body.blocks ?? []).includes('2.1.0|acme')));
    const card = fake.callsTo('chat.postMessage').find((c) => c.body.channel === ACME && JSON.stringify(c.body.blocks ?? []).includes('2.1.0|acme'))!;
    const [opened] = await click(DANA, ACME, card, 'release.reject', 'views.open');
    const view = opened!.body.view as OpenedView;
    expect(view.callback_id).toBe('release.reject');
    expect(view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual(['target', 'reason']);
    const triggerId = `${++seq}.${Date.now()}.viewtrigger`;
    const submission = viewSubmission({
      team: TEAM,
      domain: 'rel',
      user: DANA,
      name: 'dana',
      view,
      viewId: `V${seq}`,
      triggerId,
      values: { target: { target: { type: 'plain_text_input', value: '2.1.0|acme' } }, reason: { reason: { type: 'plain_text_input', value: 'Quotes still round down' } } },
    });
    expect((await send({ payload: submission })).status).toBe(200);
    await expect.poll(async () => (await app.services.validation.load('2.1.0')).uat.acme, { timeout: 8000 }).toMatchObject({ state: 'rejected', by: `slack:${DANA}`, reason: 'Quotes still round down' });
    expect(textOf(await command(ENGINEER, ENG, '/release-notes', 'publish 2.1.0'))).toContain('acme rejected it — Quotes still round down');
  }, 60_000);
});
