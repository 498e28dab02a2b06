/**
 * The baselines of `npm run bench:chat`: for each platform the official SDK doing the same work as
 * aftercare's `/issue` in its plainest form — verify the request (the SDK's own check), parse the
 * command, write one row durably (better-sqlite3 INSERT, WAL, synchronous=NORMAL) before the ack,
 * then make one reply API call:
 *
 * - Slack: Bolt `ExpressReceiver`; `ack()`, then `respond()` (a POST to the command's response_url).
 * - Teams: botbuilder `CloudAdapter` (no app id: unauthenticated local mode) under express; the turn
 *   writes the row and `sendActivity`s the reply, and the adapter answers the POST when the turn
 *   ends — so this baseline's ack includes its reply round trip (that is how a CloudAdapter bot acks).
 * - Feishu: `@larksuiteoapi/node-sdk` `EventDispatcher` (decrypts, checks the token) behind
 *   `adaptDefault`; the handler writes the row and returns (the answer), while the reply goes out
 *   through the SDK client's `im.message.reply` (tenant token fetched and cached by the SDK).
 *
 * Each is started in its own process by bench/chat.ts (`--serve bare-<platform>`) and prints
 * `{"url": <base>}`; the event paths are aftercare's (/slack/events, /api/messages, /feishu/events).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FEISHU, SLACK, parseIssue, type Platform } from './chat-platforms.js';

/** The durable write: one INSERT per command into a WAL-mode SQLite file, synchronous=NORMAL. */
function openTicketTable(): { insert(title: string, severity: string, reporter: string, channel: string): number; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-bench-bare-'));
  const db = new Database(join(dir, 'bare.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE tickets (id INTEGER PRIMARY KEY, title TEXT NOT NULL, severity TEXT NOT NULL, reporter TEXT NOT NULL, channel TEXT NOT NULL, created_at INTEGER NOT NULL)');
  const stmt = db.prepare('INSERT INTO tickets (title, severity, reporter, channel, created_at) VALUES (?, ?, ?, ?, ?)');
  return {
    insert: (title, severity, reporter, channel) => Number(stmt.run(title, severity, reporter, channel, Date.now()).lastInsertRowid),
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const replyText = (id: number, title: string) => `Filed SUP-${id}: ${title}`;

function announce(server: Server): void {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }) + '\n');
}

function listen(server: Server, db: { close(): void }): void {
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => announce(server));
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    db.close();
    process.exit(0);
  });
}

async function serveSlack(): Promise<void> {
  const { App, ExpressReceiver } = await import('@slack/bolt');
  const express = (await import('express')).default;
  const db = openTicketTable();
  const receiver = new ExpressReceiver({ signingSecret: SLACK.signingSecret, endpoints: '/slack/events' });
  const bolt = new App({ receiver, token: SLACK.botToken, botId: 'B0BENCH', botUserId: 'U0BENCH' });
  bolt.command('/issue', async ({ command, ack, respond }) => {
    const { title, severity } = parseIssue(command.text);
    const id = db.insert(title, severity, command.user_id, command.channel_id);
    await ack();
    await respond({ response_type: 'in_channel', text: replyText(id, title) });
  });
  const app = express();
  app.use(receiver.router);
  listen(createServer(app), db);
}

async function serveTeams(): Promise<void> {
  const { CloudAdapter, ConfigurationBotFrameworkAuthentication } = await import('botbuilder');
  const express = (await import('express')).default;
  const db = openTicketTable();
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const app = express();
  app.post('/api/messages', express.json(), (req, res) => {
    void adapter.process(req, res, async (ctx) => {
      if (ctx.activity.type !== 'message') return;
      const { title, severity } = parseIssue(ctx.activity.text ?? '');
      const id = db.insert(title, severity, ctx.activity.from.id, ctx.activity.conversation.id);
      await ctx.sendActivity(replyText(id, title));
    });
  });
  listen(createServer(app), db);
}

async function serveFeishu(apiUrl: string): Promise<void> {
  const lark = await import('@larksuiteoapi/node-sdk');
  const db = openTicketTable();
  const client = new lark.Client({ appId: FEISHU.appId, appSecret: FEISHU.appSecret, domain: apiUrl, loggerLevel: lark.LoggerLevel.error });
  const dispatcher = new lark.EventDispatcher({ encryptKey: FEISHU.encryptKey, verificationToken: FEISHU.verificationToken, loggerLevel: lark.LoggerLevel.error }).register({
    'im.message.receive_v1': async (data) => {
      const { message, sender } = data;
      const text = (JSON.parse(message.content) as { text?: string }).text ?? '';
      const { title, severity } = parseIssue(text);
      const id = db.insert(title, severity, sender.sender_id?.open_id ?? '', message.chat_id);
      client.im.message
        .reply({ path: { message_id: message.message_id }, data: { msg_type: 'text', content: JSON.stringify({ text: replyText(id, title) }) } })
        .catch((e: unknown) => console.error('bare feishu reply failed', e));
      return {};
    },
  });
  listen(createServer(lark.adaptDefault('/feishu/events', dispatcher)), db);
}

/** Runs one baseline in this process. */
export function serveBare(platform: Platform, apiUrl: string): Promise<void> {
  if (platform === 'slack') return serveSlack();
  if (platform === 'teams') return serveTeams();
  return serveFeishu(apiUrl);
}
