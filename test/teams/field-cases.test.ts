import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningApp } from '../../server/app.js';
import { keys } from '../../src/core/keys.js';
import { conversationKey } from '../../src/core/ports.js';
import type { InboundEvent } from '../../src/core/types.js';
import { wireLog, type WireApp } from '../helpers/wire-app.js';
import { FakeConnector, type ConnectorCall } from './fake-connector.js';
import { postActivity } from './module-server.js';
import { postAndAwaitReply, startTeamsWire } from './support.js';
import { ACME_CHANNEL, ADMIN, botAddedToTeam, cardClick, commandMessage, ENG_CHANNEL, TENANT, textOf, type TeamsUser } from './teams-activities.js';

/**
 * The chat field cases on Teams (C20 and the mention of a person known only by their `29:` id),
 * sent as Bot Framework activities to the running server, with the Bot Connector faked on loopback.
 */
const connector = new FakeConnector();
let app: RunningApp;
let wire: WireApp | undefined;

const caseFile = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'field-cases', 'chat', `${name}.json`), 'utf8')) as Record<string, unknown>;
const CUST: TeamsUser = { id: '29:cust', name: 'Cy Customer', aadObjectId: 'aad-cust' };

/** Posts an activity and waits for the bot's reply to it (a reply carries the activity's id). */
const send = (activity: { id: string } & Record<string, unknown>): Promise<ConnectorCall> => postAndAwaitReply(app.url, connector, activity);

const say = (from: TeamsUser, channel: string, text: string, mentions: TeamsUser[] = []) => send(commandMessage(connector.url, from, channel, text, mentions));

/** A message whose mention entity names a person by their `29:` id alone, as Teams often sends it. */
function mentionById(from: TeamsUser, channel: string, text: string, who: { id: string; name: string }) {
  const activity = commandMessage(connector.url, from, channel, text);
  activity.entities.push({ type: 'mention', text: `<at>${who.name}</at>`, mentioned: { id: who.id, name: who.name } } as never);
  return activity;
}

async function tickets() {
  return (await app.services.tickets.list({ status: 'all' })).tickets;
}

beforeAll(async () => {
  wire = await startTeamsWire(connector, { prefix: 'teams-fc', db: 'fc', log: wireLog('warn') });
  app = wire.app;
  expect(textOf(await say(ADMIN, ENG_CHANNEL, 'aftercare subscribe tickets'))).toMatch(/now receives tickets/);
  expect(textOf(await say(ADMIN, ACME_CHANNEL, '/aftercare org acme'))).toMatch(/"acme"/);
});

afterAll(async () => {
  await wire?.stop();
});

describe('Teams field cases (wire)', () => {
  it('C20: keeps `<billing@example.com>` and `<550 5.1.1>` typed in a plain-text 1:1 message', async () => {
    expect(textOf(await say(CUST, ACME_CHANNEL, 'faq invoices'))).not.toMatch(/not linked/); // seen in acme's channel
    const c20 = { ...caseFile('C20'), serviceUrl: connector.url } as unknown as { id: string } & Record<string, unknown>;
    const reply = await send(c20);
    const title = 'Invoice mails to <billing@example.com> bounce with error <550 5.1.1>';
    expect(textOf(reply)).toContain(`filed: ${title}`);
    expect(await tickets()).toEqual(expect.arrayContaining([expect.objectContaining({ title, org: 'acme', reporter: 'teams:aad-cust' })]));
    // The client's own markup still goes: HTML wrapping, the bot's <at> mention.
    const html = commandMessage(connector.url, CUST, ACME_CHANNEL, '<p>issue <b>Printing</b> fails for &lt;all&gt; users</p>');
    expect(textOf(await send(html))).toContain('filed: Printing fails for <all> users');
  });

  it('grants a role to a person the mention names only by 29: id, looked up through the connector; their own messages then carry that role', async () => {
    const NEW: TeamsUser = { id: '29:nora', name: 'Nora New', aadObjectId: 'aad-nora' };
    connector.members.set(NEW.id, { id: NEW.id, name: NEW.name, aadObjectId: NEW.aadObjectId });
    const granted = await send(mentionById(ADMIN, ENG_CHANNEL, 'aftercare role <at>Nora New</at> engineer', NEW));
    expect(textOf(granted)).toContain(`teams:${NEW.aadObjectId} is now engineer`);
    expect(connector.memberLookups).toContain(NEW.id);
    // Nora's own activity (with aadObjectId) is an engineer's: she can list every organisation's tickets.
    const filed = await say(CUST, ACME_CHANNEL, 'issue Nora should see this');
    const id = /SUP-\d+/.exec(textOf(filed))![0];
    expect(textOf(await say(NEW, ENG_CHANNEL, `issue ack ${id}`))).toMatch(new RegExp(`${id}.*acknowledged|Acknowledged`, 'i'));
    // The reporter hears of it in the thread where she reported (a post to `<channel>;messageid=<root>`).
    expect(filed.conversationId).toMatch(/;messageid=/);
    await connector.waitUntil((calls) => calls.some((c) => c.conversationId === filed.conversationId && c.activityId === undefined && /acknowledged by Nora New/.test(textOf(c))), 8000, 'the notice in the thread');
  });

  it('assigns a ticket to a person mentioned by 29: id alone, using the pairing learnt from their own messages (no lookup)', async () => {
    const ENG2: TeamsUser = { id: '29:omar', name: 'Omar Ops', aadObjectId: 'aad-omar' };
    await say(ADMIN, ENG_CHANNEL, 'aftercare role <at>Omar Ops</at> engineer', [ENG2]);
    await say(ENG2, ENG_CHANNEL, 'aftercare help'); // his own activity: 29:omar ↔ aad-omar
    const filed = await say(CUST, ACME_CHANNEL, 'issue Omar should take this');
    const id = /SUP-\d+/.exec(textOf(filed))![0];
    const lookups = connector.memberLookups.length;
    const assigned = await send(mentionById(ADMIN, ENG_CHANNEL, `issue assign ${id} <at>Omar Ops</at>`, ENG2));
    expect(textOf(assigned)).toContain('Omar Ops');
    expect(connector.memberLookups).toHaveLength(lookups);
    expect((await app.services.tickets.find(id))?.assignee).toBe(`teams:${ENG2.aadObjectId}`);
  });

  it('keeps a role granted under a 29: id before this release: the person’s own messages still carry it', async () => {
    await app.services.directory.setRole('teams:aad-admin', 'teams:29:legacy', 'engineer');
    const LEGACY: TeamsUser = { id: '29:legacy', name: 'Lee Legacy', aadObjectId: 'aad-legacy' };
    const filed = await say(CUST, ACME_CHANNEL, 'issue For the legacy engineer');
    const id = /SUP-\d+/.exec(textOf(filed))![0];
    expect(textOf(await say(LEGACY, ENG_CHANNEL, `issue ack ${id}`))).not.toMatch(/⚠️/);
  });

  it('answers an image sent without words with a hint instead of help or silence', async () => {
    const activity = commandMessage(connector.url, CUST, 'a:1on1-cust', '');
    Object.assign(activity, { text: undefined, attachments: [{ contentType: 'image/png', contentUrl: 'https://smba.example/img/1', name: 'screenshot.png' }] });
    expect(textOf(await send(activity))).toMatch(/got your file, but no command/);
    // With words, the words are the command and the image goes along.
    const withText = commandMessage(connector.url, CUST, 'a:1on1-cust', 'issue Screenshot attached sev:S2');
    Object.assign(withText, { attachments: [{ contentType: 'image/png', contentUrl: 'https://smba.example/img/2' }] });
    expect(textOf(await send(withText))).toMatch(/filed: Screenshot attached/);
  });

  it('keys every inbound path from one channel — command, event, button, form — as one conversation with one binding', async () => {
    const receive = vi.spyOn(app.inbound, 'receive');
    try {
      const filed = await say(CUST, ACME_CHANNEL, 'issue Through every path');
      const id = /SUP-\d+/.exec(textOf(filed))![0];
      // An event: the bot added to the team whose General channel is the acme channel.
      expect((await postActivity(app.url, botAddedToTeam(connector.url, ADMIN, ACME_CHANNEL))).status).toBe(200);
      // A button on a card in a thread of the channel, and a form submitted from it.
      const thread = `${ACME_CHANNEL};messageid=1709286999000`;
      expect((await postActivity(app.url, cardClick(connector.url, CUST, thread, filed.responseId, { verb: 'issue.show', data: { aftercare: { actionId: 'issue.show', value: id } } }))).status).toBe(200);
      expect((await postActivity(app.url, cardClick(connector.url, CUST, thread, filed.responseId, { verb: 'issue.create', data: { aftercare: { formId: 'issue.create' }, title: 'Submitted through the form', severity: 'S2' } }))).status).toBe(200);
      await app.inbound.drain();
      const events = receive.mock.calls.map((c) => c[0] as InboundEvent);
      expect(events.map((e) => e.kind).sort()).toEqual(['action', 'command', 'command', 'submit']);
      expect(new Set(events.map((e) => conversationKey(e.conversation)))).toEqual(new Set([`teams:${TENANT}:${ACME_CHANNEL}`]));
      expect((await tickets()).find((t) => t.title === 'Submitted through the form')).toMatchObject({ org: 'acme', severity: 'S2' });
      const channels = (await app.services.deps.store.zrange(keys.orgChannels('acme'), -Infinity, Infinity)).map((m) => m.member);
      expect(channels).toEqual([`teams:${TENANT}:${ACME_CHANNEL}`]);
    } finally {
      receive.mockRestore();
    }
  });
});
