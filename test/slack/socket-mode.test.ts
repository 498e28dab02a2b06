import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { wireLog } from '../helpers/wire-app.js';
import type { FakeCall, FakeSlack } from './fake-slack.js';
import { startFakeSocketMode, type FakeSocketMode } from './fake-socket-mode.js';
import { payload } from './fixtures.js';
import { buttons, firstAnswer, slashForm, startSlackWire, type SlackWire } from './support.js';

/**
 * Slack in Socket Mode, end to end: the real server (startApp) with SLACK_APP_TOKEN and no signing
 * secret, the real Bolt SocketModeReceiver, a local WebSocket server speaking Slack's envelope
 * protocol (hello; slash_commands, interactive, events_api envelopes; acks by envelope_id), and the
 * fake Web API answering apps.connections.open with that server's URL.
 */

const TEAM = 'T0SOCK';
const ACME = 'C0ACME';
const ENG = 'C0ENG';
const ADMIN = 'U0ADMIN';
const ENGINEER = 'U0ENG';
const CUSTOMER = 'U0CUST';
/** The bot's user id in the recorded auth.test answer. */
const BOT_USER = 'W23456789';
const APP_TOKEN = 'xapp-1-A0SOCKET-1234-socketmodetesttoken';

let fake: FakeSlack;
let socket: FakeSocketMode;
let app: RunningApp;
let wire: SlackWire | undefined;
let seq = 0;

const textOf = (c: FakeCall) => String(c.body.text ?? '');

/** A slash command payload as Socket Mode carries it (the same fields as the HTTP form). */
function slash(user: string, channel: string, command: string, text: string): Record<string, string> {
  seq++;
  return slashForm({ team: TEAM, domain: 'sock', user, channel, command, text, responseUrl: fake.responseUrl(`cmd-${seq}`), triggerId: `${seq}.${Date.now()}.socktrigger` });
}

/** Sends a slash command envelope; resolves with its ack and what answered it. */
async function command(user: string, channel: string, cmd: string, text: string) {
  const body = slash(user, channel, cmd, text);
  const before = fake.calls.length;
  const ack = await socket.send('slash_commands', body);
  return { ack, body, answer: await firstAnswer(fake, before, `response_url:cmd-${seq}`, channel) };
}

beforeAll(async () => {
  wire = await startSlackWire({
    prefix: 'slack-socket',
    db: 'socket',
    admins: `slack:${ADMIN}`,
    botToken: 'xoxb-socket-test-token',
    appToken: APP_TOKEN,
    log: wireLog('warn'),
    beforeApp: async (f) => {
      socket = await startFakeSocketMode();
      f.socketModeUrl = socket.url;
    },
    afterApp: async () => {
      await socket?.close();
    },
  });
  ({ fake, app } = wire);
  // The customer files for their organisation's system `crm`, which only an admin registers (issue 16).
  await command(ADMIN, ACME, '/aftercare', 'org acme systems:crm');
  await command(ADMIN, ENG, '/aftercare', 'subscribe tickets');
  await command(ADMIN, ENG, '/aftercare', `role <@${ENGINEER}|eng> engineer`);
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('aftercare on Slack in Socket Mode', () => {
  it('opens the connection with the app token through apps.connections.open, and serves no Slack HTTP endpoint', async () => {
    const open = fake.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]!.headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
    expect(socket.connections).toBe(1);
    const res = await fetch(`${app.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"url_verification","challenge":"x"}' });
    expect(res.status).toBe(404);
  });

  it('runs report → ack button → resolve over slash_commands, interactive and events_api envelopes, each acked by its envelope_id', async () => {
    // 1. The customer reports with a slash command; the envelope is acked once it is stored.
    const mark = fake.calls.length;
    const report = await command(CUSTOMER, ACME, '/issue', 'Login fails for everyone sev:S2 system:crm');
    expect(report.ack.envelope_id).toBeTruthy();
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === ACME && textOf(c).includes('SUP-1')));

    // 2. The engineers' channel gets the ticket card with an Ack button, through the outbox.
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === ENG && buttons(c.body.blocks).some((b) => b.value === 'SUP-1')));
    const engPost = fake.callsTo('chat.postMessage').find((c) => c.body.channel === ENG && buttons(c.body.blocks).some((b) => b.value === 'SUP-1'))!;
    const ackButton = buttons(engPost.body.blocks).find((b) => b.action_id === 'issue.ack')!;
    expect(ackButton.value).toBe('SUP-1');

    // 3. The engineer clicks Ack: an interactive envelope with a block_actions payload.
    const engTs = (engPost.response as { ts: string }).ts;
    const click = {
      ...payload<Record<string, unknown>>('block_actions'),
      user: { id: ENGINEER, username: 'eng', name: 'eng', team_id: TEAM },
      team: { id: TEAM, domain: 'sock' },
      channel: { id: ENG, name: 'c0eng' },
      container: { type: 'message', message_ts: engTs, channel_id: ENG, is_ephemeral: false },
      trigger_id: `${++seq}.${Date.now()}.clicktrigger`,
      response_url: fake.responseUrl('ack-click'),
      actions: [{ ...ackButton, block_id: 'b', type: 'button', text: { type: 'plain_text', text: 'Ack' }, action_ts: `${Date.now() / 1000}` }],
    };
    const clicked = await socket.send('interactive', click);
    expect(clicked.envelope_id).toBeTruthy();
    await fake.waitFor((calls) => calls.some((c) => c.method === 'response_url:ack-click' && c.body.replace_original === true));
    expect((await app.services.tickets.get('SUP-1')).status).toBe('acknowledged');

    // 4. The engineer resolves by mentioning the bot: an events_api envelope (app_mention); an S2 resolves only with a cause (issue 18).
    const mention = payload<Record<string, unknown> & { event: Record<string, unknown> }>('app_mention');
    const event = {
      ...mention,
      team_id: TEAM,
      event_id: 'Ev0SOCKRESOLVE',
      event: { ...mention.event, user: ENGINEER, channel: ENG, text: `<@${BOT_USER}> issue resolve SUP-1 fixed-in:1.2.3 cause:code session cookie fixed`, ts: `${Date.now() / 1000}` },
    };
    const resolved = await socket.send('events_api', event, { retry_attempt: 0, retry_reason: '' });
    expect(resolved.envelope_id).toBeTruthy();
    const ticket = await waitForStatus('SUP-1', 'resolved');
    expect(ticket.fixedIn).toBe('1.2.3');
    expect(ticket.cause).toBe('code');
    // The reporter hears of it in the customer channel.
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === ACME && /SUP-1/.test(textOf(c)) && /resolved/i.test(textOf(c))));

    // Slack redelivers the event (no ack seen in time): a new envelope, the same event_id. Acked, not applied twice.
    const again = await socket.send('events_api', event, { retry_attempt: 1, retry_reason: 'timeout' });
    expect(again.envelope_id).not.toBe(resolved.envelope_id);
    const timeline = (await app.services.tickets.get('SUP-1')).timeline;
    expect(timeline.filter((e) => e.kind === 'resolved')).toHaveLength(1);
  });

  it('acknowledges and drops payloads its listeners cannot take, as the HTTP path refuses them, and stays healthy', async () => {
    const receive = vi.spyOn(app.inbound, 'receive');
    const broken = [
      socket.send('interactive', { ...payload<Record<string, unknown>>('block_actions'), channel: null, trigger_id: 'x.1.broken' }),
      socket.send('events_api', { type: 'event_callback', team_id: TEAM, event: { type: 'app_mention', text: 'no event id', channel: ENG, ts: '1.1' } }),
      socket.send('slash_commands', { command: '/issue', text: 'no user, team or trigger' }),
    ];
    for (const ack of await Promise.all(broken)) expect(ack.envelope_id).toBeTruthy();
    // None of them reached the listeners (and so the inbox).
    expect(receive).not.toHaveBeenCalled();
    receive.mockRestore();
    const total = (await app.services.tickets.list({ status: 'all' })).total;
    const ok = await command(CUSTOMER, ACME, '/issue', 'Still alive after junk sev:S4');
    expect(ok.ack.envelope_id).toBeTruthy();
    await app.inbound.drain();
    expect((await app.services.tickets.list({ status: 'all' })).total).toBe(total + 1);
  });

  it('files one ticket for a slash command delivered twice in two envelopes (the same trigger)', async () => {
    const before = (await app.services.tickets.list({ status: 'all' })).total;
    const body = slash(CUSTOMER, ACME, '/issue', 'Printer jams on tray 2 sev:S3');
    const first = await socket.send('slash_commands', body);
    const second = await socket.send('slash_commands', body);
    expect(new Set([first.envelope_id, second.envelope_id]).size).toBe(2);
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === ACME && textOf(c).includes('Printer jams')));
    await app.inbound.drain();
    expect((await app.services.tickets.list({ status: 'all' })).total).toBe(before + 1);
  });
});

async function waitForStatus(id: string, status: string) {
  for (let i = 0; i < 200; i++) {
    const t = await app.services.tickets.get(id);
    if (t.status === status) return t;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${id} never became ${status}`);
}
