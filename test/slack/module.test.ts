import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackModule } from '../../adapters/slack/index.js';
import { encodeOrigin } from '../../adapters/slack/render.js';
import { createLogger } from '../../src/core/log.js';
import type { CoreApi, PlatformModule, Reply } from '../../src/core/ports.js';
import type { ConversationRef, InboundEvent, OutboundMessage } from '../../src/core/types.js';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';
import { payload } from './fixtures.js';
import { sendSigned } from './sign.js';
import { scriptedPipeline, type ScriptedSteps } from '../helpers/scripted-pipeline.js';

/**
 * The Slack module on a real HTTP server with the real Bolt, against a fake Slack Web API, with a
 * scripted core standing in for the product (the full product runs in wire.test.ts). Pins down the
 * adapter's own contract: signatures, acks, dedupe, where each part of a reply goes.
 */

const SECRET = 'test-signing-secret';
const log = createLogger({ level: 'error', sink: () => undefined });

interface ScriptedCore extends CoreApi, ScriptedSteps {
  accepted: InboundEvent[];
  processed: InboundEvent[];
  answer: (event: InboundEvent) => Promise<Reply> | Reply;
  acceptDelayMs: number;
}

function scriptedCore(): ScriptedCore {
  const claimed = new Set<string>();
  const core: ScriptedCore = {
    accepted: [],
    processed: [],
    acceptDelayMs: 0,
    answer: () => ({ messages: [], locale: 'en' }),
    async accept(event) {
      if (core.acceptDelayMs) await new Promise((r) => setTimeout(r, core.acceptDelayMs));
      const key = `${event.kind}:${event.id}`;
      if (claimed.has(key)) return false;
      claimed.add(key);
      core.accepted.push(event);
      return true;
    },
    async process(event) {
      core.processed.push(event);
      return core.answer(event);
    },
    localeFor: async () => 'en',
    rememberConversation: async () => undefined,
    conversation: async () => undefined,
    rememberAlias: async () => undefined,
    aliasOf: async () => undefined,
  };
  return core;
}

let fake: FakeSlack;
let core: ScriptedCore;
let module: PlatformModule;
let server: Server;
let url: string;
const handedOver: Array<{ conversation: ConversationRef; messages: OutboundMessage[] }> = [];

beforeAll(async () => {
  fake = await startFakeSlack({ team: 'T1' }); // the installation's workspace, as the payloads name it
  core = scriptedCore();
  module = await createSlackModule(
    { botToken: 'xoxb-module-test', signingSecret: SECRET, apiUrl: fake.apiUrl },
    {
      core,
      inbound: scriptedPipeline(core),
      log,
      publicUrl: 'http://aftercare.test',
      defaultLocale: 'en',
      metric: () => undefined,
      deliverLater: async (conversation, messages) => {
        handedOver.push({ conversation, messages });
      },
    },
  );
  const app = express();
  module.mount(app);
  await module.start?.();
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
});

afterAll(async () => {
  await module.adapter.close?.();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fake.close();
});

beforeEach(() => {
  fake.calls.length = 0;
  core.accepted.length = 0;
  core.processed.length = 0;
  core.acceptDelayMs = 0;
  handedOver.length = 0;
  core.answer = () => ({ messages: [], locale: 'en' });
});

let seq = 0;
function command(text: string, extra: Record<string, string> = {}): Record<string, string> {
  seq++;
  return {
    ...payload<Record<string, string>>('slash_command'),
    command: '/issue',
    text,
    team_id: 'T1',
    channel_id: 'C1',
    user_id: 'U1',
    trigger_id: `trigger-${seq}-${Date.now()}`,
    response_url: fake.responseUrl(`cmd-${seq}`),
    ...extra,
  };
}

describe('Slack module over HTTP', () => {
  it('answers url_verification with the challenge once the signature checks out', async () => {
    const body = payload('url_verification');
    const res = await sendSigned(url, SECRET, { json: body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ challenge: (body as { challenge: string }).challenge });
  });

  it('refuses forged, stale, future-dated and unsigned requests with 401 and dispatches nothing', async () => {
    const body = { form: command('forged') };
    const now = Math.floor(Date.now() / 1000);
    expect((await sendSigned(url, SECRET, body, { secret: 'wrong-secret' })).status).toBe(401);
    expect((await sendSigned(url, SECRET, body, { timestamp: now - 6 * 60 })).status).toBe(401);
    expect((await sendSigned(url, SECRET, body, { timestamp: now + 6 * 60 })).status).toBe(401);
    const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'command=%2Fissue' });
    expect(unsigned.status).toBe(401);
    expect(core.accepted).toHaveLength(0);
  });

  it('accepts a form body whose content type carries a charset', async () => {
    const res = await sendSigned(url, SECRET, { form: command('charset') }, { contentType: 'application/x-www-form-urlencoded; charset=utf-8' });
    expect(res.status).toBe(200);
    expect(core.accepted).toHaveLength(1);
  });

  it('acks a slash command at once and delivers a slow result through the response_url afterwards', async () => {
    core.answer = async () => {
      await new Promise((r) => setTimeout(r, 3500));
      return { messages: [{ text: 'Done, **SUP-9**', visibility: 'ephemeral' }], locale: 'en' };
    };
    const body = command('slow one');
    const res = await sendSigned(url, SECRET, { form: body });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.ms).toBeLessThan(1000);
    expect(core.accepted[0]).toMatchObject({ kind: 'command', command: 'issue', text: 'slow one' });
    await fake.waitFor((calls) => calls.some((c) => c.method === `response_url:cmd-${seq}`), 8000);
    expect(fake.callsTo(`response_url:cmd-${seq}`)[0]!.body).toMatchObject({ response_type: 'ephemeral', text: 'Done, *SUP-9*' });
  }, 15_000);

  it('acks before the deadline even when claiming the delivery is slow, and still runs it once', async () => {
    core.acceptDelayMs = 2600;
    core.answer = () => ({ messages: [{ text: 'late but here' }], locale: 'en' });
    const res = await sendSigned(url, SECRET, { form: command('slow store') });
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(2900);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'), 5000);
    expect(core.processed).toHaveLength(1);
  }, 10_000);

  it('handles the same slash command delivered twice once', async () => {
    const body = command('twice');
    await sendSigned(url, SECRET, { form: body });
    await sendSigned(url, SECRET, { form: body });
    await new Promise((r) => setTimeout(r, 100));
    expect(core.accepted).toHaveLength(1);
    expect(core.processed).toHaveLength(1);
  });

  it('looks the user’s Slack locale up after the ack and hands it to the core', async () => {
    fake.locales.set('U55', 'zh-CN');
    await sendSigned(url, SECRET, { form: command('中文', { user_id: 'U55' }) });
    await fake.waitFor(() => core.processed.length === 1);
    expect(core.processed[0]!.actor.locale).toBe('zh-CN');
    expect(fake.callsTo('users.info')[0]!.body).toMatchObject({ user: 'U55', include_locale: 'true' });
  });

  it('opens the form the core asks for as a modal with the command’s trigger_id', async () => {
    core.answer = () => ({
      messages: [],
      locale: 'en',
      openForm: {
        title: 'Report an issue',
        submitLabel: 'File',
        card: { blocks: [{ type: 'form', formId: 'issue.create', submitLabel: 'File', inputs: [{ id: 'title', label: 'Title', kind: 'text', required: true }] }] },
      },
    });
    const body = command('');
    await sendSigned(url, SECRET, { form: body });
    await fake.waitFor((calls) => calls.some((c) => c.method === 'views.open'));
    const call = fake.callsTo('views.open')[0]!;
    expect(call.body.trigger_id).toBe(body.trigger_id);
    expect(call.body.view).toMatchObject({ type: 'modal', callback_id: 'issue.create', private_metadata: encodeOrigin({ team: 'T1', channel: 'C1' }) });
  });

  it('posts channel replies with chat.postMessage and falls back to the response_url where the bot is not a member', async () => {
    core.answer = () => ({ messages: [{ text: 'public answer' }], locale: 'en' });
    fake.script('chat.postMessage', { body: { ok: false, error: 'not_in_channel' } });
    await sendSigned(url, SECRET, { form: command('x') });
    await fake.waitFor((calls) => calls.some((c) => c.method === `response_url:cmd-${seq}`));
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(fake.callsTo(`response_url:cmd-${seq}`)[0]!.body).toMatchObject({ response_type: 'in_channel', text: 'public answer' });
  });

  it('maps a button click to the core action and replaces the clicked message through its response_url', async () => {
    core.answer = () => ({ messages: [], replace: { text: 'Acked' }, locale: 'en' });
    const body = payload<Record<string, unknown> & { actions: Array<Record<string, unknown>> }>('block_actions');
    body.actions[0]!.action_id = 'issue.ack';
    body.actions[0]!.value = 'SUP-3';
    body.response_url = fake.responseUrl('act-1');
    const res = await sendSigned(url, SECRET, { payload: body });
    expect(res.status).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'response_url:act-1'));
    expect(core.processed[0]).toMatchObject({ kind: 'action', actionId: 'issue.ack', value: 'SUP-3', messageId: '111.222' });
    expect(fake.callsTo('response_url:act-1')[0]!.body).toMatchObject({ replace_original: true, text: 'Acked' });
  });

  it('closes a submitted modal at once and answers in the conversation it was opened from', async () => {
    core.answer = () => ({ messages: [{ text: 'Ticket SUP-4 filed' }], locale: 'en' });
    const body = payload<Record<string, unknown> & { view: Record<string, unknown> }>('view_submission');
    body.view.callback_id = 'issue.create';
    body.view.private_metadata = encodeOrigin({ team: 'T111', channel: 'C42' });
    const res = await sendSigned(url, SECRET, { payload: body });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'));
    expect(core.processed[0]).toMatchObject({ kind: 'submit', formId: 'issue.create', values: { maBWU: 'test' } });
    expect(fake.callsTo('chat.postMessage')[0]!.body).toMatchObject({ channel: 'C42', text: 'Ticket SUP-4 filed' });
  });

  it('runs an app_mention once even when Slack retries it, and replies in its thread', async () => {
    core.answer = () => ({ messages: [{ text: 'pong' }], locale: 'en' });
    const body = payload<Record<string, unknown> & { event: Record<string, unknown> }>('app_mention');
    body.event_id = `Ev-retry-${Date.now()}`;
    body.event.text = '<@U0LAN0Z89> faq vpn';
    body.event.thread_ts = '1515449500.000001';
    expect((await sendSigned(url, SECRET, { json: body })).status).toBe(200);
    expect((await sendSigned(url, SECRET, { json: body }, { retryNum: 1 })).status).toBe(200);
    expect((await sendSigned(url, SECRET, { json: body }, { retryNum: 2, retryReason: 'http_error' })).status).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'));
    await new Promise((r) => setTimeout(r, 100));
    expect(core.processed).toHaveLength(1);
    expect(core.processed[0]).toMatchObject({ command: 'faq', text: 'vpn' });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage')[0]!.body).toMatchObject({ channel: 'C123ABC456', thread_ts: '1515449500.000001' });
  });

  it('hands a reply that Slack rate-limits to the outbox instead of retrying it on the spot', async () => {
    core.answer = () => ({ messages: [{ text: 'after the storm' }], locale: 'en' });
    fake.script('chat.postMessage', { status: 429, headers: { 'Retry-After': '3' }, body: { ok: false, error: 'ratelimited' } });
    await sendSigned(url, SECRET, { form: command('rate') });
    await fake.waitFor(() => handedOver.length === 1);
    expect(fake.callsTo('chat.postMessage').map((p) => p.status)).toEqual([429]);
    expect(handedOver[0]).toEqual({ conversation: { platform: 'slack', tenantId: 'T1', channelId: 'C1' }, messages: [{ text: 'after the storm' }] });
  });

  it('answers a click in a DM between people only through its response_url: the card replaced, the messages to the clicker alone', async () => {
    core.answer = () => ({ messages: [{ text: 'SUP-3 acknowledged.' }], replace: { text: 'Acked' }, locale: 'en' });
    const body = payload<Record<string, unknown> & { actions: Array<Record<string, unknown>> }>('block_actions');
    body.actions[0]!.action_id = 'issue.ack';
    body.actions[0]!.value = 'SUP-3';
    body.trigger_id = `dm-click-${Date.now()}`;
    body.channel = { id: 'D0TWO', name: 'directmessage' };
    body.container = { type: 'message', message_ts: '111.333', channel_id: 'D0TWO', is_ephemeral: false };
    body.response_url = fake.responseUrl('dm-click');
    expect((await sendSigned(url, SECRET, { payload: body })).status).toBe(200);
    await fake.waitFor((calls) => calls.filter((c) => c.method === 'response_url:dm-click').length === 2);
    expect(fake.callsTo('response_url:dm-click').map((c) => c.body)).toEqual([
      expect.objectContaining({ replace_original: true, text: 'Acked' }),
      expect.objectContaining({ response_type: 'ephemeral', replace_original: false, text: 'SUP-3 acknowledged.' }),
    ]);
    expect(fake.calls.filter((c) => c.method.startsWith('chat.'))).toEqual([]);
    // Keyed under the installation's workspace (auth.test: T1), whatever team the payload names.
    expect(core.processed[0]!.conversation).toEqual({ platform: 'slack', tenantId: 'T1', channelId: 'D0TWO' });
  });

  it('answers a modal submitted from a DM between people in the user’s own DM with the bot', async () => {
    core.answer = () => ({ messages: [{ text: 'Ticket SUP-5 filed' }], locale: 'en' });
    const body = payload<Record<string, unknown> & { view: Record<string, unknown> }>('view_submission');
    body.view.callback_id = 'issue.create';
    body.view.id = `V-dm-${Date.now()}`;
    body.view.private_metadata = encodeOrigin({ team: 'T111', channel: 'D0TWO' });
    expect((await sendSigned(url, SECRET, { payload: body })).status).toBe(200);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'));
    expect(fake.callsTo('chat.postMessage').map((c) => c.body.channel)).toEqual(['W111']);
    // Keyed under the installation's workspace (auth.test: T1), whatever team the payload names.
    expect(core.processed[0]!.conversation).toEqual({ platform: 'slack', tenantId: 'T1', channelId: 'D0TWO' });
  });

  it('learns the bot’s own DM from a message.im event and answers later commands there as direct, without asking Slack', async () => {
    core.answer = () => ({ messages: [{ text: 'here you are' }], locale: 'en' });
    const dm = { type: 'event_callback', team_id: 'T1', event_id: `Ev-im-${Date.now()}`, event: { type: 'message', channel_type: 'im', channel: 'D0OWN', user: 'U77', text: 'faq vpn', ts: '1.2' } };
    expect((await sendSigned(url, SECRET, { json: dm })).status).toBe(200);
    await fake.waitFor(() => core.processed.length === 1);
    await sendSigned(url, SECRET, { form: command('x', { user_id: 'U77', channel_id: 'D0OWN', channel_name: 'directmessage' }) });
    await fake.waitFor(() => core.processed.length === 2);
    await fake.waitFor((calls) => calls.filter((c) => c.method === 'chat.postMessage').length === 2);
    expect(core.processed.map((e) => e.conversation.direct)).toEqual([true, true]);
    expect(fake.callsTo('chat.postMessage').map((c) => c.body.channel)).toEqual(['D0OWN', 'D0OWN']);
    expect(fake.callsTo('conversations.open')).toEqual([]);
  });

  it('answers through the response_url when Slack cannot say whose DM a command came from', async () => {
    core.answer = () => ({ messages: [{ text: 'still reaches you' }], locale: 'en' });
    fake.script('conversations.open', { status: 500, body: 'down' });
    const body = command('x', { user_id: 'U88', channel_id: 'D0WHO', channel_name: 'directmessage' });
    await sendSigned(url, SECRET, { form: body });
    await fake.waitFor((calls) => calls.some((c) => c.method === `response_url:cmd-${seq}`));
    expect(fake.callsTo(`response_url:cmd-${seq}`)[0]!.body).toMatchObject({ response_type: 'ephemeral', text: 'still reaches you' });
    expect(fake.calls.filter((c) => c.method.startsWith('chat.'))).toEqual([]);
    expect(core.processed[0]!.conversation.direct).toBeUndefined();
  });

  it('retries an ephemeral answer whose response_url fails with a 5xx', async () => {
    core.answer = () => ({ messages: [{ text: 'just for you', visibility: 'ephemeral' }], locale: 'en' });
    const body = command('eph');
    fake.script(`response_url:cmd-${seq}`, { status: 503, body: 'busy' });
    await sendSigned(url, SECRET, { form: body });
    await fake.waitFor((calls) => calls.filter((c) => c.method === `response_url:cmd-${seq}`).length === 2, 5000);
    expect(fake.callsTo(`response_url:cmd-${seq}`).map((c) => c.status)).toEqual([503, 200]);
  });
});
