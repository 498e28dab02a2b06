import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudAdapter } from 'botbuilder';
import { createFeishuApi } from '../../adapters/feishu/api.js';
import { mapMessageEvent } from '../../adapters/feishu/inbound.js';
import { createFeishuAdapter } from '../../adapters/feishu/outbound.js';
import { createPlaygroundAdapter, createPlaygroundFeed } from '../../adapters/playground/feed.js';
import { fromPlaygroundEvent, type PlaygroundEvent } from '../../adapters/playground/inbound.js';
import { eventEnvelopeSchema, fromMessageEvent } from '../../adapters/slack/inbound.js';
import { createSlackAdapter } from '../../adapters/slack/outbound.js';
import { createWebClient } from '../../adapters/slack/web-api.js';
import { createTeamsAuthentication } from '../../adapters/teams/auth.js';
import { activitySchema, toInboundEvent } from '../../adapters/teams/inbound.js';
import { createTeamsChatAdapter } from '../../adapters/teams/outbound.js';
import { createLogger } from '../../src/core/log.js';
import type { ChatAdapter } from '../../src/core/ports.js';
import type { StateStore } from '../../src/core/store.js';
import type { ConversationRef, InboundEvent } from '../../src/core/types.js';
import { openStore } from '../../src/state/store.js';
import { isCreate, startFakeOpenApi } from '../feishu/fake-open-api.js';
import { startFakeSlack } from '../slack/fake-slack.js';
import { payload as slackPayload } from '../slack/fixtures.js';
import { FakeConnector } from '../teams/fake-connector.js';
import { fixture as teamsFixture } from '../teams/fixtures.js';

/**
 * One row per adapter for the contract suite: the adapter wired to its platform (a fake API on
 * loopback; the playground's feed in a SQLite StateStore), and what the platform received, read
 * back the same way for all four.
 */

/** A post or an in-place update as the platform received it. */
export interface Delivered {
  kind: 'post' | 'update';
  /** The platform's conversation id it was sent to. */
  conversation: string;
  messageId: string;
  /** The message's notification/fallback text as the platform holds it. */
  fallback: string;
  /** The platform message as sent (serialized JSON, or the playground's HTML). */
  content: string;
}

export interface Platform {
  adapter: ChatAdapter;
  /** A conversation the platform knows. */
  ref: ConversationRef;
  delivered(): Promise<Delivered[]>;
  /** Makes the platform answer the next post with this HTTP status (HTTP platforms only). */
  answerNext?(status: number, headers?: Record<string, string>): void;
  /** Makes the platform unable to take the next post at all (the playground's store fails). */
  breakNext?(): void;
  close(): Promise<void>;
}

export interface PlatformRow {
  name: string;
  start(): Promise<Platform>;
  /** True when the platform content shows a divider. */
  hasDivider(content: string): boolean;
  /** The header a rate-limited answer carries its delay in. */
  rateLimitHeader?: string;
  /** The same inbound message, written by a person and by the bot itself, through the adapter's mapping. */
  inbound: { fromPerson(): InboundEvent | undefined; fromBot(): InboundEvent | undefined };
}

const log = createLogger({ level: 'error', sink: () => undefined });
const AT = 1_700_000_000_000;
const json = (value: unknown) => JSON.stringify(value);

const SLACK_BOT_USER = 'U0LAN0Z89';

const slack: PlatformRow = {
  name: 'Slack',
  async start() {
    const fake = await startFakeSlack();
    const adapter = createSlackAdapter({ client: createWebClient('xoxb-contract', fake.apiUrl, log), locale: 'en' });
    return {
      adapter,
      ref: { platform: 'slack', tenantId: 'T1', channelId: 'C1' },
      async delivered() {
        return fake.calls
          .filter((c) => c.status === 200 && (c.method === 'chat.postMessage' || c.method === 'chat.update'))
          .map((c) => ({
            kind: c.method === 'chat.update' ? ('update' as const) : ('post' as const),
            conversation: String(c.body.channel),
            messageId: String(c.method === 'chat.update' ? c.body.ts : (c.response as { ts: string }).ts),
            fallback: String(c.body.text ?? ''),
            content: json(c.body),
          }));
      },
      answerNext(status, headers) {
        fake.script('chat.postMessage', { status, headers, body: { ok: false, error: status === 429 ? 'ratelimited' : 'fake_failure' } });
      },
      close: () => fake.close(),
    };
  },
  hasDivider: (content) => content.includes('"type":"divider"'),
  rateLimitHeader: 'Retry-After',
  inbound: {
    fromPerson: () => fromMessageEvent(eventEnvelopeSchema.parse(slackPayload('app_mention')), AT, SLACK_BOT_USER),
    fromBot() {
      const body = slackPayload<{ event: Record<string, unknown> }>('app_mention');
      Object.assign(body.event, { user: SLACK_BOT_USER, bot_id: 'B0LAN0Z89' });
      return fromMessageEvent(eventEnvelopeSchema.parse(body), AT, SLACK_BOT_USER);
    },
  },
};

const teams: PlatformRow = {
  name: 'Teams',
  async start() {
    const connector = await new FakeConnector().start();
    const auth = createTeamsAuthentication({ appId: '', appPassword: '', appType: 'MultiTenant', requestTimeoutMs: 2000 });
    const channelId = '19:ops@thread.tacv2';
    return {
      adapter: createTeamsChatAdapter(new CloudAdapter(auth), ''),
      ref: {
        platform: 'teams',
        tenantId: 'tenant-1',
        channelId,
        native: {
          serviceUrl: connector.url,
          channelId: 'msteams',
          bot: { id: '28:bot', name: 'Aftercare' },
          conversation: { id: channelId, conversationType: 'channel', tenantId: 'tenant-1', isGroup: true },
        },
      },
      async delivered() {
        return connector.calls.map((c) => ({
          kind: c.method === 'PUT' ? ('update' as const) : ('post' as const),
          conversation: c.conversationId,
          messageId: c.method === 'PUT' ? c.activityId! : c.responseId,
          fallback: String(c.body.summary ?? c.body.text ?? ''),
          content: json(c.body),
        }));
      },
      answerNext: (status, headers) => connector.failNext(1, status, headers),
      close: () => connector.stop(),
    };
  },
  hasDivider: (content) => content.includes('"separator":true'),
  rateLimitHeader: 'Retry-After',
  inbound: {
    fromPerson: () => toInboundEvent(activitySchema.parse(teamsFixture('message')), AT),
    fromBot() {
      const raw = teamsFixture('message');
      raw.from = raw.recipient;
      return toInboundEvent(activitySchema.parse(raw), AT);
    },
  },
};

const FEISHU_BOT = 'ou_bot000000000000000000000000000';

/** `im.message.receive_v1` in a direct chat, flattened as the SDK's dispatcher hands it over. */
function feishuDirectMessage(sender: { open_id: string; sender_type: string }): unknown {
  const recorded = JSON.parse(readFileSync(new URL('../fixtures/feishu/im.message.receive_v1.json', import.meta.url), 'utf8')) as {
    payload: { header: Record<string, unknown>; event: { sender: Record<string, unknown>; message: Record<string, unknown> } };
  };
  const { header, event } = recorded.payload;
  return {
    schema: '2.0',
    ...header,
    ...event,
    sender: { ...event.sender, sender_type: sender.sender_type, sender_id: { open_id: sender.open_id } },
    message: { ...event.message, chat_type: 'p2p', content: json({ text: '/issue Login fails' }), mentions: [] },
  };
}

const feishu: PlatformRow = {
  name: 'Feishu',
  async start() {
    const fake = await startFakeOpenApi();
    const api = createFeishuApi({ appId: 'cli_contract', appSecret: 'secret', domain: fake.url, log });
    return {
      adapter: createFeishuAdapter(api, { defaultLocale: 'en' }),
      ref: { platform: 'feishu', tenantId: 't1', channelId: 'oc_chat1', native: { receiveIdType: 'chat_id' } },
      async delivered() {
        const summary = (card: Record<string, unknown>) => String((card.config as { summary?: { content?: string } }).summary?.content ?? '');
        const chats = new Map(fake.created().map((c) => [c.message_id, c.receive_id]));
        return [
          ...fake.created().map((c) => ({ kind: 'post' as const, conversation: c.receive_id, messageId: c.message_id, fallback: summary(c.content), content: json(c.content) })),
          ...fake.patched().map((p) => ({
            kind: 'update' as const,
            conversation: chats.get(p.message_id) ?? '',
            messageId: p.message_id,
            fallback: summary(p.content),
            content: json(p.content),
          })),
        ];
      },
      answerNext(status, headers) {
        const code = status === 429 ? 99991400 : status >= 500 ? 1 : 230001;
        fake.failNext(isCreate, { status, headers, body: { code, msg: `fake ${status}` } });
      },
      close: () => fake.close(),
    };
  },
  hasDivider: (content) => content.includes('"tag":"hr"'),
  rateLimitHeader: 'x-ogw-ratelimit-reset',
  inbound: {
    fromPerson: () => mapMessageEvent(feishuDirectMessage({ open_id: 'ou_person', sender_type: 'user' }), { botOpenId: FEISHU_BOT, locale: 'en', now: () => AT }),
    fromBot: () => mapMessageEvent(feishuDirectMessage({ open_id: FEISHU_BOT, sender_type: 'app' }), { botOpenId: FEISHU_BOT, locale: 'en', now: () => AT }),
  },
};

/** A store whose next counter increment fails, as a store that went away does. */
function breakable(store: StateStore): { store: StateStore; breakNext(): void } {
  let broken = false;
  const proxy = new Proxy(store, {
    get(target, key) {
      if (key === 'incr' && broken) {
        broken = false;
        return () => Promise.reject(new Error('SQLITE_CANTOPEN: unable to open database file'));
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: proxy, breakNext: () => (broken = true) };
}

const playgroundEvent = (user: string): PlaygroundEvent => ({ user, role: 'customer', lang: 'en', channel: 'general', kind: 'command', text: '/issue Login fails' });

const playground: PlatformRow = {
  name: 'playground',
  async start() {
    const store = await openStore('sqlite://' + join(mkdtempSync(join(tmpdir(), 'aftercare-contract-')), 'playground.sqlite'));
    const { store: flaky, breakNext } = breakable(store);
    const feed = createPlaygroundFeed(flaky);
    return {
      adapter: createPlaygroundAdapter(feed),
      ref: { platform: 'playground', tenantId: 'local', channelId: 'general' },
      async delivered() {
        const { messages } = await feed.read('general', 'reader');
        return messages.map((m) => ({
          kind: m.seq === (m.pos ?? m.seq) ? ('post' as const) : ('update' as const),
          conversation: m.channel,
          messageId: m.id,
          fallback: m.text,
          content: m.html,
        }));
      },
      breakNext,
      close: () => store.close(),
    };
  },
  hasDivider: (content) => content.includes('<hr'),
  inbound: {
    fromPerson: () => fromPlaygroundEvent(playgroundEvent('alice'), AT, 'n1'),
    fromBot: () => fromPlaygroundEvent(playgroundEvent('bot'), AT, 'n2'),
  },
};

/** Every adapter the core can send through. */
export const platforms: PlatformRow[] = [slack, teams, feishu, playground];
