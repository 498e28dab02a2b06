import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/log.js';
import { FakeConnector, type ConnectorCall } from './fake-connector.js';
import { postActivity } from './module-server.js';
import { inConv, sayAndAwaitReply } from './support.js';
import {
  ACME_CHANNEL,
  ADMIN,
  botAddedToTeam,
  cardClick,
  commandMessage,
  CUSTOMER,
  ENG_CHANNEL,
  TENANT,
  ENGINEER,
  findAction,
  textOf,
  type TeamsUser,
} from './teams-activities.js';

/**
 * Wire tests: the real server (startApp) with the real botbuilder CloudAdapter, real-shaped Bot
 * Framework activities over HTTP, and only the Bot Connector faked on loopback (serviceUrl).
 */
const tmp = mkdtempSync(join(tmpdir(), 'teams-wire-'));
const connector = new FakeConnector();
let config: AppConfig;
let app: RunningApp;
const logs: string[] = [];

const proactive = (c: ConnectorCall) => c.method === 'POST' && c.activityId === undefined;
const pushedTo = (channel: string, text: string) => (c: ConnectorCall) => inConv(channel)(c) && proactive(c) && textOf(c).includes(text);

const say = (from: TeamsUser, channel: string, text: string, mentions: TeamsUser[] = []) => sayAndAwaitReply(app.url, connector, from, channel, text, mentions);

async function boot(): Promise<RunningApp> {
  return startApp(config, { log: createLogger({ level: 'debug', sink: (l) => logs.push(l) }) });
}

beforeAll(async () => {
  await connector.start();
  config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    AFTERCARE_STORE: `sqlite://${join(tmp, 'aftercare.sqlite')}`,
    AFTERCARE_ADMINS: `teams:${ADMIN.aadObjectId}`,
    AFTERCARE_PLAYGROUND: 'off',
    TEAMS_ENABLED: 'true',
    AFTERCARE_TIMER_POLL_MS: '200',
  });
  app = await boot();
});

afterAll(async () => {
  await app?.stop();
  await connector.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('Teams on the running server (local-test mode, fake Bot Connector)', () => {
  it('hands a message to the inbound pipeline, which has stored it when Teams gets its 200', async () => {
    const receive = vi.spyOn(app.inbound, 'receive');
    await say(CUSTOMER, ACME_CHANNEL, 'faq pipeline path');
    expect(receive).toHaveBeenCalledTimes(1);
    expect(receive.mock.calls[0]![0]).toMatchObject({ kind: 'command', command: 'faq', conversation: { platform: 'teams' } });
    await expect(receive.mock.results[0]!.value).resolves.toBe('accepted');
    receive.mockRestore();
  });

  it('warns that it runs unauthenticated without an app id', () => {
    expect(logs.some((l) => l.includes('"level":"warn"') && l.includes('MICROSOFT_APP_ID'))).toBe(true);
  });

  it('greets a team with help when the bot is added to it', async () => {
    const res = await postActivity(app.url, botAddedToTeam(connector.url, ADMIN, ENG_CHANNEL));
    expect(res.status).toBe(200);
    await connector.waitUntil((calls) => calls.some(inConv(ENG_CHANNEL)), 8000, 'greeting');
    const greeting = connector.calls.find(inConv(ENG_CHANNEL))!;
    expect(greeting.activityId).toBeDefined(); // a reply on the conversationUpdate turn
    for (const command of ['issue', 'escalate', 'release-notes', 'backup-status', 'survey', 'digest', 'faq']) {
      expect(JSON.stringify(greeting.body)).toContain(command);
    }
  });

  it('runs report → ack → resolve → CSAT across a customer channel and an engineers\' channel', async () => {
    expect(textOf(await say(ADMIN, ENG_CHANNEL, 'aftercare subscribe tickets'))).not.toMatch(/⚠️/);
    expect(textOf(await say(ADMIN, ENG_CHANNEL, 'aftercare role <at>Eve Engineer</at> engineer', [ENGINEER]))).toContain(`teams:${ENGINEER.aadObjectId}`);
    expect(textOf(await say(ADMIN, ACME_CHANNEL, '/aftercare org acme systems:crm,erp'))).toContain('acme');

    // The customer reports in a new channel post: the reply threads under it, the card is pushed to the engineers.
    const filed = await say(CUSTOMER, ACME_CHANNEL, 'issue Login fails for everyone sev:S2 system:crm');
    expect(textOf(filed)).toContain('SUP-1');
    expect(filed.conversationId).toMatch(/;messageid=/);
    await connector.waitUntil((calls) => calls.some(pushedTo(ENG_CHANNEL, 'SUP-1')), 8000, 'ticket push');
    const pushed = connector.calls.find(pushedTo(ENG_CHANNEL, 'SUP-1'))!;
    expect(pushed.conversationId).toBe(ENG_CHANNEL); // a new post in the channel, not a reply
    expect(pushed.body).toMatchObject({ attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] });
    const ack = findAction(pushed, 'issue.ack');
    expect(ack).toBeDefined();

    // The engineer clicks Ack on the pushed card: Teams gets the updated card synchronously…
    const click = await postActivity(app.url, cardClick(connector.url, ENGINEER, ENG_CHANNEL, pushed.responseId, ack!));
    expect(click.status).toBe(200);
    expect(click.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: { type: 'AdaptiveCard', version: '1.5' } });
    expect(JSON.stringify(click.body)).not.toContain('"verb":"issue.ack"');
    // …the subscribed card is updated in place, and the reporter hears about it in her channel.
    await connector.waitUntil((calls) => calls.some((c) => c.method === 'PUT' && c.activityId === pushed.responseId), 8000, 'in-place update');
    await connector.waitUntil((calls) => calls.some(pushedTo(ACME_CHANNEL, 'was acknowledged by Eve Engineer')), 8000, 'reporter ack notice');

    // The engineer resolves: the reporter gets the resolution and a CSAT survey card.
    expect(textOf(await say(ENGINEER, ENG_CHANNEL, 'issue resolve SUP-1 fixed-in:1.4.2 cause:config'))).toContain('SUP-1');
    await connector.waitUntil((calls) => calls.some((c) => inConv(ACME_CHANNEL)(c) && findAction(c, 'survey.answer') !== undefined), 8000, 'CSAT survey');
    expect(connector.calls.some(pushedTo(ACME_CHANNEL, 'Fixed in version 1.4.2.'))).toBe(true);
    const survey = connector.calls.find((c) => inConv(ACME_CHANNEL)(c) && findAction(c, 'survey.answer') !== undefined)!;

    // The customer clicks 5.
    const five = /"value":"(SVY-\d+):5"/.exec(JSON.stringify(survey.body));
    expect(five).not.toBeNull();
    const surveyId = five![1]!;
    const answer = await postActivity(
      app.url,
      cardClick(connector.url, CUSTOMER, ACME_CHANNEL, survey.responseId, { verb: 'survey.answer', data: { aftercare: { actionId: 'survey.answer', value: `${surveyId}:5` } } }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(JSON.stringify(answer.body)).toContain('5');
    const results = await app.services.surveys.results(surveyId);
    expect(results.responses).toBe(1);
    expect(results.distribution[5]).toBe(1);
  });

  it('opens the issue form as an Adaptive Card and files the ticket from its submit', async () => {
    const form = await say(CUSTOMER, ACME_CHANNEL, 'issue');
    const card = JSON.stringify(form.body);
    for (const input of ['"id":"title"', '"id":"description"', '"type":"Input.ChoiceSet"', '"id":"system"']) expect(card).toContain(input);
    const submit = findAction(form, 'issue.create');
    expect(submit?.data).toEqual({ aftercare: { formId: 'issue.create' } });
    const values = { title: 'Invoices print blank', description: 'Since this morning', severity: 'S1', system: 'erp' };
    const res = await postActivity(
      app.url,
      cardClick(connector.url, CUSTOMER, ACME_CHANNEL, form.responseId, { verb: 'issue.create', data: { ...submit!.data, ...values } }),
    );
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toMatch(/⚠️/);
    await connector.waitUntil((calls) => calls.some(pushedTo(ENG_CHANNEL, 'Invoices print blank')), 8000, 'form ticket push');
    const { tickets } = await app.services.tickets.list({ status: 'all', org: 'acme' });
    expect(tickets.find((t) => t.title === 'Invoices print blank')).toMatchObject({ severity: 'S1', system: 'erp', description: 'Since this morning' });
  });

  it('handles a redelivered message once', async () => {
    const activity = commandMessage(connector.url, CUSTOMER, ACME_CHANNEL, 'issue Printer queue stuck');
    const before = connector.calls.length;
    const [a, b] = await Promise.all([postActivity(app.url, activity), postActivity(app.url, activity)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await connector.waitUntil((calls) => calls.slice(before).some((c) => c.activityId === activity.id), 8000, 'reply');
    await new Promise((r) => setTimeout(r, 400));
    expect(connector.calls.slice(before).filter((c) => c.activityId === activity.id)).toHaveLength(1);
    expect(connector.calls.filter(pushedTo(ENG_CHANNEL, 'Printer queue stuck'))).toHaveLength(1);
    const { tickets } = await app.services.tickets.list({ status: 'all', org: 'acme' });
    expect(tickets.filter((t) => t.title === 'Printer queue stuck')).toHaveLength(1);
  });

  it('still delivers a pushed card exactly once when the connector answers 429', async () => {
    const engPosts = (m: string, p: string) => m === 'POST' && p.includes(`/v3/conversations/${ENG_CHANNEL}/activities`) && !p.includes(';messageid=') && /activities$/.test(p);
    connector.failNext(2, 429, { 'retry-after': '1' }, (p, m) => engPosts(m, p));
    const failedBefore = connector.failed.length;
    await say(CUSTOMER, ACME_CHANNEL, 'issue VPN drops every hour sev:S3');
    await connector.waitUntil((calls) => calls.some(pushedTo(ENG_CHANNEL, 'VPN drops every hour')), 15_000, 'throttled push');
    await new Promise((r) => setTimeout(r, 500));
    expect(connector.failed.length - failedBefore).toBe(2);
    expect(connector.calls.filter(pushedTo(ENG_CHANNEL, 'VPN drops every hour'))).toHaveLength(1);
  }, 20_000);

  it('pushes to a channel it only knows from a stored reference, after a restart', async () => {
    await app.stop();
    app = await boot(); // a fresh process: nothing in memory, the eng channel never spoke to it
    await say(CUSTOMER, ACME_CHANNEL, 'issue Reports export empty sev:S2');
    await connector.waitUntil((calls) => calls.some(pushedTo(ENG_CHANNEL, 'Reports export empty')), 8000, 'push after restart');
    const push = connector.calls.find(pushedTo(ENG_CHANNEL, 'Reports export empty'))!;
    expect(push.body).toMatchObject({ conversation: { id: ENG_CHANNEL }, from: { id: '28:c9e8c047-2a74-40a2-b28a-b162d5f5327c' } });
  });

  it('answers in the language of the Teams client unless the user chose one', async () => {
    const dm = 'a:1-personal-chat-li-lei';
    const li: TeamsUser = { id: '29:li', name: 'Li Lei', aadObjectId: 'aad-li' };
    const zh = (text: string) => ({ ...commandMessage(connector.url, li, dm, text), locale: 'zh-CN' });
    const ask = async (activity: ReturnType<typeof zh>) => {
      expect((await postActivity(app.url, activity)).status).toBe(200);
      await connector.waitUntil((calls) => calls.some((c) => c.activityId === activity.id), 8000, 'reply');
      return connector.calls.find((c) => c.activityId === activity.id)!;
    };
    const first = await ask(zh('aftercare help'));
    expect(first.conversationId).toBe(dm);
    expect(JSON.stringify(first.body)).toContain('Aftercare 帮助您维护已交付的系统');
    await ask(zh('aftercare lang en'));
    const after = await ask(zh('aftercare help'));
    expect(JSON.stringify(after.body)).toContain('Aftercare keeps your delivered systems healthy');
  });

  it('works in a group chat with the bot mentioned', async () => {
    const group = '19:meeting-chat-abc@thread.v2';
    const activity = { ...commandMessage(connector.url, ADMIN, group, 'aftercare help'), conversation: { id: group, conversationType: 'groupChat', tenantId: TENANT, isGroup: true } };
    expect((await postActivity(app.url, activity)).status).toBe(200);
    await connector.waitUntil((calls) => calls.some((c) => c.activityId === activity.id), 8000, 'group reply');
    const reply = connector.calls.find((c) => c.activityId === activity.id)!;
    expect(reply.conversationId).toBe(group);
    expect(JSON.stringify(reply.body)).toContain('Aftercare keeps your delivered systems healthy');
  });

  it('refuses a malformed activity with 400', async () => {
    expect((await postActivity(app.url, { type: 'message', text: 'issue x' })).status).toBe(400);
    expect((await postActivity(app.url, '{"type":')).status).toBe(400);
  });
});
