import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { keys } from '../../src/core/keys.js';
import { conversationKey } from '../../src/core/ports.js';
import type { InboundEvent } from '../../src/core/types.js';
import type { FakeCall, FakeSlack } from './fake-slack.js';
import { payload } from './fixtures.js';
import { sendSigned, type SlackBody } from './sign.js';
import { startSlackWire, type SlackWire } from './support.js';
import { wireLog } from '../helpers/wire-app.js';

/**
 * The chat field cases on Slack (C1, C3, C5, C11), each sent as Slack sends it — signed, over
 * HTTP to the running server — with a fake Web API on loopback, asserting what the user sees.
 * The workspace the app is installed in is T1 (auth.test), as in the cases.
 */

const SECRET = 'field-case-signing-secret-0123456';
const caseFile = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'field-cases', 'chat', `${name}.json`), 'utf8')) as Record<string, unknown>;

let fake: FakeSlack;
let app: RunningApp;
let wire: SlackWire | undefined;
let url: string;
let seq = 0;

const send = (body: SlackBody) => sendSigned(url, SECRET, body);
const textOf = (c: FakeCall) => `${String(c.body.text ?? '')} ${JSON.stringify(c.body.blocks ?? '')}`;

/** A slash command's form fields (as Slack posts them) with a fresh trigger_id and a response_url on the fake. */
function slash(fields: Record<string, string>): { form: Record<string, string>; answer: string } {
  const name = `fc-${++seq}`;
  return { form: { ...fields, trigger_id: `${seq}.${Date.now()}.fctrigger`, response_url: fake.responseUrl(name) }, answer: `response_url:${name}` };
}

function slashFields(user: string, channel: string, command: string, text: string, team = 'T1'): Record<string, string> {
  return { token: 'legacy', team_id: team, team_domain: 'acme', channel_id: channel, channel_name: channel.toLowerCase(), user_id: user, user_name: user.toLowerCase(), command, text, api_app_id: 'A1', is_enterprise_install: 'false', response_url: '', trigger_id: '' };
}

/** Sends a slash command and returns everything said back to its author (response_url, or posts in its channel). */
async function command(fields: Record<string, string>): Promise<string> {
  const before = fake.calls.length;
  const { form, answer } = slash(fields);
  expect((await send({ form })).status).toBe(200);
  const answered = (calls: FakeCall[]) => calls.slice(before).filter((c) => c.method === answer || (c.method.startsWith('chat.post') && c.body.channel === fields.channel_id && (c.response as { ok?: boolean }).ok !== false));
  await fake.waitFor((calls) => answered(calls).length > 0);
  return answered(fake.calls).map(textOf).join('\n');
}

async function tickets() {
  return (await app.services.tickets.list({ status: 'all' })).tickets;
}

beforeAll(async () => {
  wire = await startSlackWire({ prefix: 'slack-fc', db: 'fc', admins: 'slack:UADMIN', botToken: 'xoxb-field-case-token', secret: SECRET, fakeOptions: { team: 'T1', botUserId: 'UBOT' }, log: wireLog('warn') });
  ({ fake, app } = wire);
  url = wire.url;
  expect(await command(slashFields('UADMIN', 'C_ENG', '/aftercare', 'subscribe tickets'))).toMatch(/now receives tickets/);
  expect(await command(slashFields('UADMIN', 'C_CUST', '/aftercare', 'org acme'))).toMatch(/belongs to customer organisation "acme"/);
}, 30_000);

afterAll(async () => {
  await wire?.stop();
});

describe('Slack field cases (wire)', () => {
  it('C1: files the Slack Connect customer’s @mention for the organisation the shared channel was bound to', async () => {
    expect(await command(slashFields('UADMIN', 'C_SHARED', '/aftercare', 'org acme'))).toMatch(/belongs to customer organisation "acme"/);
    const mark = fake.calls.length;
    const c1 = caseFile('C1');
    expect((await send({ json: c1 })).status).toBe(200);
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_SHARED' && /SUP-\d+/.test(textOf(c))));
    const answer = fake.calls.slice(mark).find((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_SHARED')!;
    expect(textOf(answer)).toMatch(/Ticket SUP-\d+ filed/);
    expect(textOf(answer)).not.toMatch(/not linked/);
    const filed = (await tickets()).find((t) => t.title === 'Invoice export times out')!;
    expect(filed).toMatchObject({ org: 'acme', severity: 'S2', reporter: 'slack:U_EXTCUST', reporterConversation: { tenantId: 'T1', channelId: 'C_SHARED' } });
    // The engineers' channel gets the card.
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_ENG' && textOf(c).includes(filed.id)));
  });

  it('C1: every inbound path from the shared channel — slash command, @mention, button, modal — is one conversation with one binding', async () => {
    const receive = vi.spyOn(app.inbound, 'receive');
    try {
      // A slash command typed by the external customer carries their own workspace (bolt-js#1875).
      expect(await command(slashFields('U_EXTCUST', 'C_SHARED', '/issue', 'Typed by the external side', 'T_EXT'))).toMatch(/Ticket SUP-\d+ filed/);
      // An @mention whose envelope names the originating workspace.
      const mention = { ...caseFile('C1'), event_id: 'Ev0SHARED2', event: { ...(caseFile('C1').event as object), text: '<@UBOT> issue Mentioned by the external side', ts: '1764400001.000100', event_ts: '1764400001.000100' } };
      const mark = fake.calls.length;
      await send({ json: mention });
      await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_SHARED' && /SUP-\d+/.test(textOf(c))));
      // A button click from the external side (team.id is theirs).
      const filed = (await tickets()).find((t) => t.title === 'Mentioned by the external side')!;
      const click = payload<Record<string, unknown>>('block_actions');
      Object.assign(click, {
        user: { id: 'U_EXTCUST', username: 'ext', name: 'ext', team_id: 'T_EXT' },
        team: { id: 'T_EXT', domain: 'ext' },
        channel: { id: 'C_SHARED', name: 'shared' },
        container: { type: 'message', message_ts: '1764400001.000200', channel_id: 'C_SHARED', is_ephemeral: false },
        trigger_id: `${++seq}.${Date.now()}.clicktrigger`,
        response_url: fake.responseUrl('fc-click'),
        actions: [{ action_id: 'issue.show', value: filed.id, block_id: 'b', type: 'button', text: { type: 'plain_text', text: 'x' }, action_ts: `${Date.now() / 1000}` }],
      });
      await send({ payload: click });
      await fake.waitFor((calls) => calls.some((c) => c.method === 'response_url:fc-click' || (c.method === 'chat.postMessage' && textOf(c).includes(filed.id) && c.at > Date.now() - 2000)));
      // A modal submitted from the shared channel.
      const submission = payload<Record<string, unknown> & { view: Record<string, unknown> }>('view_submission');
      submission.user = { id: 'U_EXTCUST', username: 'ext', name: 'ext', team_id: 'T_EXT' };
      submission.team = { id: 'T_EXT', domain: 'ext' };
      submission.trigger_id = `${++seq}.${Date.now()}.viewtrigger`;
      submission.view = {
        ...submission.view,
        id: `V${seq}`,
        callback_id: 'issue.create',
        app_installed_team_id: 'T1',
        private_metadata: JSON.stringify({ t: 'T_EXT', c: 'C_SHARED' }), // a modal opened before the fix names the typist's team
        state: { values: { title: { title: { type: 'plain_text_input', value: 'Submitted by the external side' } }, severity: { severity: { type: 'static_select', selected_option: { value: 'S2' } } } } },
      };
      const viewMark = fake.calls.length;
      expect((await send({ payload: submission })).status).toBe(200);
      await fake.waitFor((calls) => calls.slice(viewMark).some((c) => c.method.startsWith('chat.post') && textOf(c).includes('Submitted by the external side')));

      const events = receive.mock.calls.map((c) => c[0] as InboundEvent);
      expect(events.map((e) => e.kind).sort()).toEqual(['action', 'command', 'command', 'submit']);
      expect(new Set(events.map((e) => conversationKey(e.conversation)))).toEqual(new Set(['slack:T1:C_SHARED']));
      const titles = ['Typed by the external side', 'Mentioned by the external side', 'Submitted by the external side'];
      for (const title of titles) expect((await tickets()).find((t) => t.title === title)).toMatchObject({ org: 'acme' });
      const store = app.services.deps.store;
      expect((await store.zrange(keys.orgChannels('acme'), -Infinity, Infinity)).map((m) => m.member).filter((k) => k.endsWith(':C_SHARED'))).toEqual(['slack:T1:C_SHARED']);
      expect(await store.get(keys.binding('slack:T_EXT:C_SHARED'))).toBeUndefined();
    } finally {
      receive.mockRestore();
    }
  }, 20_000);

  it('C3: answers a DM with a screenshot attached (file_share) as it answers the same text without one', async () => {
    expect(await command(slashFields('UCUST', 'C_CUST', '/issue', 'Baseline report'))).toMatch(/Ticket SUP-\d+ filed/);
    const mark = fake.calls.length;
    expect((await send({ json: caseFile('C3') })).status).toBe(200);
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === 'DUCUST' && /SUP-\d+/.test(textOf(c))));
    const filed = (await tickets()).find((t) => t.title === 'Export to PDF cuts off the last page')!;
    expect(filed).toMatchObject({ org: 'acme', severity: 'S2' });
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_ENG' && textOf(c).includes(filed.id)));

    // A screenshot with no words gets a short hint, not silence.
    const bare = caseFile('C3') as { event: Record<string, unknown> } & Record<string, unknown>;
    bare.event_id = 'Ev0FILE2';
    bare.event = { ...bare.event, text: '', ts: '1764400002.000100', event_ts: '1764400002.000100' };
    const hintMark = fake.calls.length;
    await send({ json: bare });
    await fake.waitFor((calls) => calls.slice(hintMark).some((c) => c.method.startsWith('chat.post') && c.body.channel === 'DUCUST'));
    expect(textOf(fake.calls.slice(hintMark).find((c) => c.method.startsWith('chat.post') && c.body.channel === 'DUCUST')!)).toMatch(/got your file, but no command/);
    // Edits and joins stay ignored.
    const edit = { ...bare, event_id: 'Ev0EDIT1', event: { ...bare.event, subtype: 'message_changed', text: 'issue Not a new message' } };
    await send({ json: edit });
    await app.inbound.drain();
    expect((await tickets()).some((t) => t.title === 'Not a new message')).toBe(false);
  });

  it('C11: keeps the host name Slack auto-linked (system:portal.acme.io) and the typed setup.py in the title', async () => {
    const c11 = caseFile('C11') as { fields: Record<string, string>; also: Record<string, string> };
    // A customer may only name one of their organisation's systems (issue 16): the admin registers it first.
    expect(await command(slashFields('UADMIN', 'C_CUST', '/aftercare', 'org acme systems:portal.acme.io'))).toMatch(/belongs to customer organisation "acme", whose systems are: portal\.acme\.io/);
    expect(await command(c11.fields)).toMatch(/Ticket SUP-\d+ filed/);
    expect((await tickets()).find((t) => t.title === 'Portal is down')).toMatchObject({ system: 'portal.acme.io', org: 'acme' });
    expect(await command(c11.also)).toMatch(/Ticket SUP-\d+ filed: Running setup\.py install fails on the server/);
    expect((await tickets()).some((t) => t.title === 'Running setup.py install fails on the server')).toBe(true);
    // A link the user labelled with other words keeps its target; an escaped `&lt;tag&gt;` is typed text.
    expect(await command(slashFields('UCUST', 'C_CUST', '/issue', 'See <https://status.acme.io/x|the status page> for &lt;500&gt;'))).toMatch(/filed/);
    expect((await tickets()).some((t) => t.title === 'See https://status.acme.io/x for <500>')).toBe(true);
  });

  it('C5: refuses to subscribe or bind a private channel the bot is not in, with invite steps; changes nothing', async () => {
    fake.refused.add('C_PRIV');
    fake.refused.add('C_PRIVCUST');
    const c5 = caseFile('C5') as { steps: Array<Record<string, string>> };
    const sub = await command(c5.steps[0]!);
    expect(sub).toMatch(/cannot post in this conversation, so it was not subscribed to tickets/);
    expect(sub).toContain('/invite @aftercare');
    expect((await app.services.directory.subscribers('tickets')).map((c) => c.channelId)).not.toContain('C_PRIV');
    const bind = await command(c5.steps[1]!);
    expect(bind).toMatch(/was not linked to organisation "acme"/);
    expect(bind).toContain('/invite @aftercare');
    expect(await app.services.directory.orgOf({ platform: 'slack', tenantId: 'T1', channelId: 'C_PRIVCUST' })).toBeUndefined();
  });

  it('C5: a reporter whose channel later refuses the bot hears of the resolution and gets the survey in a DM; a refused subscription is paused and the admin told once', async () => {
    fake.refused.delete('C_PRIV');
    fake.refused.delete('C_PRIVCUST');
    const c5 = caseFile('C5') as { steps: Array<Record<string, string>> };
    expect(await command(c5.steps[0]!)).toMatch(/now receives tickets/);
    expect(await command(c5.steps[1]!)).toMatch(/belongs to customer organisation "acme"/);
    // The bot is removed from both channels afterwards.
    fake.refused.add('C_PRIV');
    fake.refused.add('C_PRIVCUST');
    // Step 3: the answer still reaches the customer through the response_url.
    expect(await command(c5.steps[2]!)).toMatch(/Ticket SUP-\d+ filed/);
    const filed = (await tickets()).find((t) => t.title === 'Private channel report')!;
    await app.outbox.drain();
    // The refused push to C_PRIV paused that subscription and told the admin, once.
    await fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === 'UADMIN' && /can no longer post in C_PRIV/.test(textOf(c))));
    expect((await app.services.directory.subscribers('tickets')).map((c) => c.channelId)).not.toContain('C_PRIV');
    // Step 4: an engineer resolves it (UENG is granted first).
    await command(slashFields('UADMIN', 'C_ENG', '/aftercare', 'role <@UENG|ueng> engineer'));
    const mark = fake.calls.length;
    const step4 = { ...c5.steps[3]!, text: c5.steps[3]!.text.replace('SUP-<n>', filed.id) };
    expect(await command(step4)).toMatch(/resolved/i);
    await app.outbox.drain();
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === 'UCUST2' && textOf(c).includes('1.4.3')));
    await fake.waitFor((calls) => calls.slice(mark).some((c) => c.method === 'chat.postMessage' && c.body.channel === 'UCUST2' && /SVY-\d+/.test(textOf(c))));
    // A second ticket's push does not try the paused channel, and the admin is not told again.
    await command(slashFields('UCUST', 'C_CUST', '/issue', 'After the pause'));
    await app.outbox.drain();
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_PRIV' && textOf(c).includes('After the pause'))).toEqual([]);
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === 'UADMIN' && /can no longer post/.test(textOf(c)))).toHaveLength(1);
  }, 30_000);
});
