import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { wireLog } from '../helpers/wire-app.js';
import type { FakeCall, FakeSlack } from './fake-slack.js';
import { payload } from './fixtures.js';
import { sendSigned, type SendOptions } from './sign.js';
import { blockAction, buttons, firstAnswer, slashForm, startSlackWire, viewSubmission, type OpenedView, type SlackWire } from './support.js';

/**
 * The whole product on Slack: the real server (startApp), the real Bolt, requests signed exactly
 * as Slack signs them with Slack's recorded payload shapes, and a fake Slack Web API +
 * response_urls on loopback recording everything aftercare sends.
 */

const SECRET = 'wire-signing-secret-0123456789';
const TEAM = 'T0WIRE';
const ACME = 'C0ACME'; // customer channel, bound to organisation acme
const ENG = 'C0ENG'; // engineers' channel, subscribed to tickets
const ADMIN = 'U0ADMIN';
const ENGINEER = 'U0ENG';
const CUSTOMER = 'U0CUST';

let fake: FakeSlack;
let app: RunningApp;
let wire: SlackWire | undefined;
let url: string;
let seq = 0;

function send(body: Parameters<typeof sendSigned>[2], options?: SendOptions) {
  return sendSigned(url, SECRET, body, options);
}

function slash(user: string, channel: string, command: string, text: string, extra: Record<string, string> = {}) {
  seq++;
  const form: Record<string, string> = {
    ...slashForm({ team: TEAM, domain: 'wire', user, channel, command, text, responseUrl: fake.responseUrl(`cmd-${seq}`), triggerId: `${seq}.${Date.now()}.wiretrigger` }),
    ...extra,
  };
  return { form, responseUrl: `response_url:cmd-${seq}` };
}

function click(user: string, channel: string, messageTs: string, action: { action_id: string; value: string }, name: string) {
  return blockAction({ team: TEAM, domain: 'wire', user, channel, messageTs, triggerId: `${++seq}.${Date.now()}.clicktrigger`, responseUrl: fake.responseUrl(name), action });
}

const postsTo = (channel: string) => fake.callsTo('chat.postMessage').filter((c) => c.body.channel === channel && c.status === 200);
const textOf = (c: FakeCall) => String(c.body.text ?? '');

/** Sends a slash command and waits for what answers it (its response_url or a post in its channel). */
async function command(user: string, channel: string, cmd: string, text: string): Promise<FakeCall> {
  const before = fake.calls.length;
  const { form, responseUrl } = slash(user, channel, cmd, text);
  const res = await send({ form });
  expect(res.status).toBe(200);
  return firstAnswer(fake, before, responseUrl, channel);
}

async function ticketCount(): Promise<number> {
  return (await app.services.tickets.list({ status: 'all' })).total;
}

beforeAll(async () => {
  wire = await startSlackWire({ prefix: 'slack-wire', db: 'wire', admins: `slack:${ADMIN}`, botToken: 'xoxb-wire-test-token', secret: SECRET, fakeOptions: { team: TEAM } /* the installation's workspace (auth.test) */, log: wireLog('warn') });
  ({ fake, app } = wire);
  url = wire.url;
  // The deployment's setup, done the Slack way.
  await command(ADMIN, ACME, '/aftercare', 'org acme systems:crm');
  await command(ADMIN, ENG, '/aftercare', 'subscribe tickets');
  await command(ADMIN, ENG, '/aftercare', `role <@${ENGINEER}|eng> engineer`);
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('aftercare on Slack (wire)', () => {
  it('hands a slash command to the inbound pipeline, which has stored it when Slack gets its ack', async () => {
    const receive = vi.spyOn(app.inbound, 'receive');
    const { form } = slash(CUSTOMER, ACME, '/faq', 'pipeline path');
    expect((await send({ form })).status).toBe(200);
    expect(receive).toHaveBeenCalledTimes(1);
    expect(receive.mock.calls[0]![0]).toMatchObject({ kind: 'command', command: 'faq', conversation: { platform: 'slack', channelId: ACME } });
    await expect(receive.mock.results[0]!.value).resolves.toBe('accepted');
    receive.mockRestore();
  });

  it('calls auth.test once at start and never again per request', () => {
    expect(fake.callsTo('auth.test')).toHaveLength(1);
  });

  it('answers Slack’s url_verification challenge', async () => {
    const body = payload<{ challenge: string }>('url_verification');
    const res = await send({ json: body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ challenge: body.challenge });
  });

  it('runs report → ack button → resolve → CSAT end to end', async () => {
    // 1. The customer reports in the customer channel.
    const mark = fake.calls.length;
    const report = await send({ form: slash(CUSTOMER, ACME, '/issue', 'Login fails for everyone sev:S2 system:crm').form });
    expect(report.status).toBe(200);
    expect(report.ms).toBeLessThan(1000);

    // 2. The engineers' channel gets the ticket card with an Ack button (through the outbox).
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === ENG && c.status === 200));
    const engPost = postsTo(ENG).find((c) => buttons(c.body.blocks).some((b) => b.value === 'SUP-1'))!;
    expect(engPost).toBeDefined();
    expect(textOf(engPost)).toContain('SUP-1');
    const ack = buttons(engPost.body.blocks).find((b) => b.action_id === 'issue.ack')!;
    expect(ack).toEqual(expect.objectContaining({ value: 'SUP-1' }));
    // …and the reporter saw their ticket filed in the customer channel.
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === ACME && textOf(c).includes('SUP-1')));

    // 3. The engineer clicks Ack on that message.
    const engTs = (engPost.response as { ts: string }).ts;
    const acked = await send({ payload: click(ENGINEER, ENG, engTs, ack, 'ack-click') });
    expect(acked.status).toBe(200);
    expect(acked.ms).toBeLessThan(1000);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'response_url:ack-click' && c.body.replace_original === true));
    const replaced = fake.callsTo('response_url:ack-click').find((c) => c.body.replace_original === true)!;
    expect(buttons(replaced.body.blocks).map((b) => b.action_id)).not.toContain('issue.ack');
    // The same card is updated in place wherever the outbox posted it.
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.update' && c.body.channel === ENG && c.body.ts === engTs));
    // The reporter hears that someone is on it.
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === ACME && /SUP-1/.test(textOf(c)) && /acknowledged/i.test(textOf(c))));

    // 4. Resolve: the Resolve button opens a modal; the engineer submits it.
    const resolve = buttons(replaced.body.blocks).find((b) => b.action_id === 'issue.resolve')!;
    const opened = fake.calls.length;
    await send({ payload: click(ENGINEER, ENG, engTs, resolve, 'resolve-click') });
    await fake.waitFor((calls) => calls.slice(opened).some((c) => c.method === 'views.open'));
    const viewCall = fake.calls.slice(opened).find((c) => c.method === 'views.open')!;
    const view = viewCall.body.view as OpenedView;
    expect(view.callback_id).toBe('issue.resolve');
    expect(view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual(expect.arrayContaining(['id', 'fixedIn']));
    const triggerId = `${++seq}.${Date.now()}.viewtrigger`;
    const submission = viewSubmission({
      team: TEAM,
      domain: 'wire',
      user: ENGINEER,
      name: 'eng',
      view,
      viewId: `V${seq}`,
      triggerId,
      values: {
        id: { id: { type: 'plain_text_input', value: 'SUP-1' } },
        fixedIn: { fixedIn: { type: 'plain_text_input', value: '1.4.2' } },
        cause: { cause: { type: 'plain_text_input', value: 'config' } },
        note: { note: { type: 'plain_text_input', value: null } },
      },
    });
    const submitted = await send({ payload: submission });
    expect(submitted.status).toBe(200);
    expect(submitted.text).toBe('');

    // 5. The reporter's conversation gets the resolution and a CSAT survey.
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === ACME && textOf(c).includes('1.4.2')));
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === ACME && buttons(c.body.blocks).some((b) => b.value?.startsWith('SVY-'))));
    const survey = postsTo(ACME).find((c) => buttons(c.body.blocks).some((b) => b.value?.startsWith('SVY-')))!;
    const answers = buttons(survey.body.blocks);
    expect(answers.length).toBeGreaterThanOrEqual(5);
    expect(new Set(answers.map((a) => a.action_id)).size).toBe(answers.length);
    const five = answers.find((a) => a.value.endsWith(':5'))!;

    // 6. The customer answers 5; the survey card is replaced by a thank-you.
    await send({ payload: click(CUSTOMER, ACME, (survey.response as { ts: string }).ts, five, 'survey-click') });
    await fake.waitFor((calls) => calls.some((c) => c.method === 'response_url:survey-click'));
    expect(fake.callsTo('response_url:survey-click')[0]!.body).toMatchObject({ replace_original: true });
    const surveyId = five.value.split(':')[0]!;
    const results = await app.services.surveys.results(surveyId);
    expect(results.responses).toBe(1);
    expect(results.average).toBe(5);
    const ticket = await app.services.tickets.find('SUP-1');
    expect(ticket).toMatchObject({ status: 'resolved', fixedIn: '1.4.2' });
  }, 30_000);

  it('refuses a forged or 6-minute-old signature with 401 and changes nothing', async () => {
    const before = await ticketCount();
    const callsBefore = fake.calls.length;
    const forged = await send({ form: slash(CUSTOMER, ACME, '/issue', 'forged report').form }, { secret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    const stale = await send({ form: slash(CUSTOMER, ACME, '/issue', 'stale report').form }, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(await ticketCount()).toBe(before);
    expect(fake.calls.length).toBe(callsBefore);
  });

  it('creates one ticket from a delivery Slack sends twice', async () => {
    const before = await ticketCount();
    const { form } = slash(CUSTOMER, ACME, '/issue', 'Printer jams twice');
    expect((await send({ form })).status).toBe(200);
    expect((await send({ form })).status).toBe(200);

    const mention = payload<Record<string, unknown> & { event: Record<string, unknown> }>('app_mention');
    mention.team_id = TEAM;
    mention.authorizations = [{ team_id: TEAM, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }];
    mention.event_id = `Ev${Date.now()}`;
    mention.event = { ...mention.event, user: CUSTOMER, channel: ACME, text: '<@U0BOT> issue Mention report retried' };
    expect((await send({ json: mention })).status).toBe(200);
    expect((await send({ json: mention }, { retryNum: 1, retryReason: 'http_timeout' })).status).toBe(200);
    expect((await send({ json: mention }, { retryNum: 2, retryReason: 'http_timeout' })).status).toBe(200);

    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && textOf(c).includes('Mention report retried')), 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await ticketCount()).toBe(before + 2);
    const titles = (await app.services.tickets.list({ status: 'all' })).tickets.map((t) => t.title);
    expect(titles.filter((t) => t === 'Printer jams twice')).toHaveLength(1);
    expect(titles.filter((t) => t === 'Mention report retried')).toHaveLength(1);
  }, 15_000);

  it('delivers a push once when the Web API answers 429 twice', async () => {
    fake.script(
      'chat.postMessage',
      { when: (b) => b.channel === ENG && String(b.text).includes('Rate limited push'), status: 429, headers: { 'Retry-After': '1' }, body: { ok: false, error: 'ratelimited' } },
      { when: (b) => b.channel === ENG && String(b.text).includes('Rate limited push'), status: 429, headers: { 'Retry-After': '1' }, body: { ok: false, error: 'ratelimited' } },
    );
    const mark = fake.calls.length;
    await send({ form: slash(CUSTOMER, ACME, '/issue', 'Rate limited push sev:S3').form });
    const isPush = (c: FakeCall) => c.method === 'chat.postMessage' && c.body.channel === ENG && textOf(c).includes('Rate limited push');
    await fake.waitFor((calls) => calls.slice(mark).some((c) => isPush(c) && c.status === 200), 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    const attempts = fake.calls.slice(mark).filter(isPush);
    expect(attempts.map((c) => c.status)).toEqual([429, 429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(900);
  }, 25_000);

  it('delivers a command’s reply once through the outbox when Slack rate-limits it twice', async () => {
    const title = 'Rate limited reply';
    // The reply ("… filed: <title>"), not the ticket's live card that follows it.
    const isReply = (c: FakeCall) => c.method === 'chat.postMessage' && c.body.channel === ACME && textOf(c).includes(`filed: ${title}`);
    fake.script(
      'chat.postMessage',
      { when: (b) => b.channel === ACME && String(b.text).includes(`filed: ${title}`), status: 429, headers: { 'Retry-After': '1' }, body: { ok: false, error: 'ratelimited' } },
      { when: (b) => b.channel === ACME && String(b.text).includes(`filed: ${title}`), status: 429, headers: { 'Retry-After': '1' }, body: { ok: false, error: 'ratelimited' } },
    );
    const mark = fake.calls.length;
    expect((await send({ form: slash(CUSTOMER, ACME, '/issue', title).form })).status).toBe(200);
    await fake.waitFor((calls) => calls.slice(mark).some((c) => isReply(c) && c.status === 200), 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.calls.slice(mark).filter(isReply).map((c) => c.status)).toEqual([429, 429, 200]);
  }, 25_000);

  it('answers a slash command from a DM between two people through its response_url, posting nothing into that DM', async () => {
    const PAL = 'U0PAL'; // the bot's IM with this user is D0PAL (fake conversations.open)
    const PEOPLE_DM = 'D0PEOPLE';
    // As Slack answers a bot that is not in the conversation.
    fake.script('chat.postMessage', { when: (b) => b.channel === PEOPLE_DM, body: { ok: false, error: 'channel_not_found' } });
    const mark = fake.calls.length;
    const { form, responseUrl } = slash(PAL, PEOPLE_DM, '/aftercare', 'help', { channel_name: 'directmessage' });
    expect((await send({ form })).status).toBe(200);
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === responseUrl));
    await app.outbox.drain();
    await new Promise((r) => setTimeout(r, 300));
    const after = fake.calls.slice(mark);
    const answer = after.find((c) => c.method === responseUrl)!;
    expect(answer.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(answer.body.blocks)).toContain('/aftercare lang');
    expect(after.filter((c) => c.method.startsWith('chat.') && c.body.channel === PEOPLE_DM)).toEqual([]);
    expect(after.filter((c) => c.method === 'conversations.open').map((c) => c.body)).toEqual([expect.objectContaining({ users: PAL, prevent_creation: 'true' })]);
    // Not remembered as the user's conversation with the bot, so no later push goes there either.
    expect(await app.services.directory.directConversation(`slack:${PAL}`)).toBeUndefined();
  });

  it('treats a slash command in the user’s own DM with the bot as direct: posts there and knows the customer', async () => {
    const OWN_DM = 'D0CUST'; // the customer's IM with the bot (fake conversations.open)
    await command(CUSTOMER, ACME, '/aftercare', 'help'); // seen in the acme channel
    const mark = fake.calls.length;
    const { form } = slash(CUSTOMER, OWN_DM, '/issue', 'Filed from the bot DM sev:S3', { channel_name: 'directmessage' });
    expect((await send({ form })).status).toBe(200);
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === OWN_DM && textOf(c).includes('Filed from the bot DM')));
    // The customer was seen in the acme channel, so a report from their own DM with the bot is acme's.
    const filed = (await app.services.tickets.list({ status: 'all' })).tickets.find((t) => t.title === 'Filed from the bot DM');
    expect(filed).toMatchObject({ org: 'acme', reporterConversation: { channelId: OWN_DM, direct: true } });
    expect(await app.services.directory.directConversation(`slack:${CUSTOMER}`)).toMatchObject({ channelId: OWN_DM, direct: true });
  });

  it('answers in Chinese to a user whose Slack locale is Chinese', async () => {
    fake.locales.set('U0ZH', 'zh-CN');
    const reply = await command('U0ZH', ACME, '/aftercare', 'help');
    expect(JSON.stringify(reply.body)).toMatch(/[\u4e00-\u9fff]/);
  });
});
