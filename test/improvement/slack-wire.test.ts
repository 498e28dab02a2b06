import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { wireLog } from '../helpers/wire-app.js';
import type { FakeCall, FakeSlack } from '../slack/fake-slack.js';
import { payload } from '../slack/fixtures.js';
import { sendSigned } from '../slack/sign.js';
import { firstAnswer, slashForm, startSlackWire, type SlackWire } from '../slack/support.js';

/** Security incidents and the audit export on Slack: signed requests through Bolt, a fake Web API recording every call. */
const SECRET = 'wire-signing-secret-0123456789';
const TEAM = 'T0SEC';
const ACME = 'C0ACME';
const ENG = 'C0ENG';
const ADMIN = 'U0ADMIN';
const ENGINEER = 'U0ENG';
const CONTACT = 'U0CUST';
const OUTSIDER = 'U0OUT';
/** Each user's IM with the bot is `D` + the rest of their id (the fake's conversations.open). */
const dm = (user: string) => `D${user.slice(1)}`;

let fake: FakeSlack;
let app: RunningApp;
let wire: SlackWire | undefined;
let seq = 0;

const send = (body: Parameters<typeof sendSigned>[2]) => sendSigned(`${app.url}/slack/events`, SECRET, body);

/** Sends a slash command and waits for its answer (response_url); returns that call. */
async function command(user: string, channel: string, cmd: string, text: string): Promise<FakeCall> {
  seq++;
  const form = slashForm({
    team: TEAM,
    domain: 'sec',
    user,
    channel,
    channelName: channel.startsWith('D') ? 'directmessage' : channel.toLowerCase(),
    command: cmd,
    text,
    responseUrl: fake.responseUrl(`cmd-${seq}`),
    triggerId: `${seq}.${Date.now()}.sectrigger`,
  });
  const method = `response_url:cmd-${seq}`;
  const before = fake.calls.length;
  expect((await send({ form })).status).toBe(200);
  return firstAnswer(fake, before, method, channel);
}

const all = (c: FakeCall) => JSON.stringify(c.body);

beforeAll(async () => {
  wire = await startSlackWire({ prefix: 'slack-sec', db: 'wire', admins: `slack:${ADMIN}`, botToken: 'xoxb-wire-test-token', secret: SECRET, log: wireLog('error') });
  ({ fake, app } = wire);
  await command(ADMIN, ACME, '/aftercare', 'org acme');
  await command(ADMIN, ENG, '/aftercare', `role <@${ENGINEER}|eng> engineer`);
  await command(ADMIN, ENG, '/aftercare', `grant <@${ENGINEER}|eng> security`);
  await command(ADMIN, ACME, '/aftercare', `contact <@${CONTACT}|cust> security`);
  await command(OUTSIDER, ACME, '/faq', 'hello');
  for (const u of [ADMIN, ENGINEER, CONTACT, OUTSIDER]) await command(u, dm(u), '/aftercare', 'help');
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('security incidents on Slack (wire)', () => {
  it('refuses a declaration in a channel and sends the checklist only to the allowed people\'s IMs', async () => {
    const refused = all(await command(ENGINEER, ENG, '/security', 'declare acme S1 Leaked token'));
    expect(refused).toContain('only in a direct conversation');
    expect(all(await command(ENGINEER, dm(ENGINEER), '/security', 'declare acme S1 Leaked token'))).toContain('SEC-1 declared for acme');
    await fake.waitFor((calls) => [ADMIN, ENGINEER, CONTACT].every((u) => calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === dm(u) && all(c).includes('Leaked token'))));
    const leaked = fake.calls.filter((c) => all(c).includes('Leaked token') && !c.method.startsWith('response_url:'));
    expect(new Set(leaked.map((c) => String(c.body.channel)))).toEqual(new Set([dm(ADMIN), dm(ENGINEER), dm(CONTACT)]));
    expect(all(await command(OUTSIDER, dm(OUTSIDER), '/security', ''))).not.toContain('SEC-1');

    // The contact presses Done on the first step of the card in their IM.
    const card = fake.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === dm(CONTACT) && all(c).includes('Leaked token'))!;
    const done = ((card.body.blocks as Array<{ type: string; elements?: Array<{ action_id?: string; value?: string }> }>) ?? [])
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'security.done')!;
    const body = payload<Record<string, unknown>>('block_actions');
    const click = {
      ...body,
      user: { id: CONTACT, username: 'cust', name: 'cust', team_id: TEAM },
      team: { id: TEAM, domain: 'sec' },
      channel: { id: dm(CONTACT), name: 'directmessage' },
      container: { type: 'message', message_ts: (card.response as { ts: string }).ts, channel_id: dm(CONTACT), is_ephemeral: false },
      trigger_id: `${++seq}.${Date.now()}.click`,
      response_url: fake.responseUrl('done-click'),
      actions: [{ action_id: done.action_id, value: done.value, block_id: 'b', type: 'button', text: { type: 'plain_text', text: 'Done' }, action_ts: `${Date.now() / 1000}` }],
    };
    expect((await send({ payload: click })).status).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'response_url:done-click' && c.body.replace_original === true));
    expect(all(fake.callsTo('response_url:done-click').find((c) => c.body.replace_original === true)!)).toMatch(/Contain\W+done/);
    const audit = await app.services.audit.latest(200);
    expect(audit.find((e) => e.action === 'security.step.done')).toMatchObject({ actor: `slack:${CONTACT}`, target: 'SEC-1', org: 'acme' });
  });

  it('answers /aftercare audit export with a link that serves the CSV', async () => {
    const reply = all(await command(ADMIN, ENG, '/aftercare', 'audit export acme'));
    const m = /\/exports\/([\w-]{32})\.csv/.exec(reply)!;
    const res = await fetch(`${app.url}/exports/${m[1]}.csv`);
    expect(res.status).toBe(200);
    const csv = await res.text();
    expect(csv).toContain('security.declared,SEC-1,acme');
    expect(csv).not.toContain('C0ENG');
  });
});
