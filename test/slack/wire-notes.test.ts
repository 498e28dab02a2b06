import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/log.js';
import { startFakeSlack, type FakeCall, type FakeSlack } from './fake-slack.js';
import { payload } from './fixtures.js';
import { sendSigned } from './sign.js';

/**
 * Internal notes on the wire: the real server and Bolt, signed slash commands, and a fake Slack
 * recording every call. A note written by an engineer shows in the engineers' channel and in no
 * call that reaches the customer's channel (posts, updates, ephemerals, response_urls).
 */

const SECRET = 'notes-signing-secret-0123456789';
const TEAM = 'T0NOTES';
const ACME = 'C0ACME';
const ENG = 'C0ENG';
const ADMIN = 'U0ADMIN';
const ENGINEER = 'U0ENG';
const CUSTOMER = 'U0CUST';
const NOTE = 'NOTE-SLACK-7731 customer runs a patched driver';

let fake: FakeSlack;
let app: RunningApp;
let dir: string;
let seq = 0;
/** response_url names of commands sent in the customer's channel: answers there reach the customer too. */
const acmeResponseUrls = new Set<string>();

/** Sends a slash command and waits for its answer (its response_url or a post in its channel). */
async function command(user: string, channel: string, cmd: string, text: string): Promise<FakeCall> {
  const name = `cmd-${++seq}`;
  if (channel === ACME) acmeResponseUrls.add(`response_url:${name}`);
  const form: Record<string, string> = {
    ...payload<Record<string, string>>('slash_command'),
    team_id: TEAM,
    team_domain: 'notes',
    channel_id: channel,
    channel_name: channel.toLowerCase(),
    user_id: user,
    user_name: user.toLowerCase(),
    command: cmd,
    text,
    response_url: fake.responseUrl(name),
    trigger_id: `${seq}.${Date.now()}.notestrigger`,
  };
  const before = fake.calls.length;
  const res = await sendSigned(`${app.url}/slack/events`, SECRET, { form });
  expect(res.status).toBe(200);
  const answer = (c: FakeCall) => c.method === `response_url:${name}` || (c.method === 'chat.postMessage' && c.body.channel === channel);
  await fake.waitFor((calls) => calls.slice(before).some(answer));
  return fake.calls.slice(before).find(answer)!;
}

const toCustomer = (c: FakeCall) => c.body.channel === ACME || acmeResponseUrls.has(c.method);

beforeAll(async () => {
  fake = await startFakeSlack();
  dir = mkdtempSync(join(tmpdir(), 'aftercare-slack-notes-'));
  app = await startApp(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      AFTERCARE_STORE: `sqlite://${join(dir, 'notes.sqlite')}`,
      AFTERCARE_ADMINS: `slack:${ADMIN}`,
      AFTERCARE_PLAYGROUND: 'off',
      SLACK_BOT_TOKEN: 'xoxb-notes-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
    }),
    { log: createLogger({ level: 'warn', sink: () => undefined }) },
  );
  await command(ADMIN, ACME, '/aftercare', 'org acme');
  await command(ADMIN, ENG, '/aftercare', 'subscribe tickets');
  // The customer's channel follows its tickets too: it holds a copy of the card that changes with the ticket.
  await command(ADMIN, ACME, '/aftercare', 'subscribe tickets');
  await command(ADMIN, ENG, '/aftercare', `role <@${ENGINEER}|eng> engineer`);
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('internal notes on Slack (wire)', () => {
  it('shows a note to the engineers and never sends it to the customer’s channel', async () => {
    await command(CUSTOMER, ACME, '/issue', 'Printer jams on every job sev:S3');
    await command(ENGINEER, ENG, '/issue', `note SUP-1 ${NOTE}`);
    await fake.waitFor((calls) => calls.some((c) => c.method.startsWith('response_url:') && JSON.stringify(c.body).includes('Internal note added to SUP-1')));
    // The engineers' copy of the card shows the note, marked internal.
    await fake.waitFor((calls) => calls.some((c) => c.body.channel === ENG && JSON.stringify(c.body).includes('NOTE-SLACK-7731') && JSON.stringify(c.body).includes('internal note')));
    // Public comment, an engineer looking at the ticket in the customer's channel, and resolution.
    await command(ENGINEER, ENG, '/issue', 'comment SUP-1 We are looking into it');
    const shown = await command(ENGINEER, ACME, '/issue', 'show SUP-1');
    expect(JSON.stringify(shown.body)).toContain('SUP-1');
    await command(ENGINEER, ENG, '/issue', 'resolve SUP-1 fixed-in:2.0.1');
    await fake.waitFor((calls) => calls.some((c) => c.body.channel === ACME && String(c.body.text ?? '').includes('Fixed in version 2.0.1.')));
    await fake.waitFor((calls) => calls.some((c) => c.body.channel === ACME && String(c.body.text ?? '').includes('We are looking into it')));
    await app.services.outbox.drain();
    const customerCalls = fake.calls.filter(toCustomer);
    // The customer's channel did get the ticket's card and notices…
    expect(customerCalls.filter((c) => JSON.stringify(c.body).includes('SUP-1')).length).toBeGreaterThanOrEqual(4);
    // …and not one of them carries the note.
    expect(customerCalls.filter((c) => JSON.stringify(c.body).includes('NOTE-SLACK-7731')).map((c) => c.method)).toEqual([]);
  }, 30_000);
});
