import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Request, type Response } from 'express';
import { EventDispatcher, LoggerLevel, WSClient } from '@larksuiteoapi/node-sdk';
import { ConfigError, type AppConfig } from '../../src/config.js';
import { registerSecrets, type Logger } from '../../src/core/log.js';
import { conversationKey, SendError, type PlatformContext, type PlatformModule, type Reply } from '../../src/core/ports.js';
import type { ActionEvent, InboundEvent, OutboundMessage, SubmitEvent } from '../../src/core/types.js';
import { sendWithRetry } from '../kit/send-error.js';
import { createFeishuApi, feishuSdkLogger, isLark, sdkDomain, type FeishuApi } from './api.js';
import { mapCardAction, mapMenuEvent, mapMessageEvent, type InboundOptions } from './inbound.js';
import { createFeishuAdapter, type FeishuAdapter } from './outbound.js';
import { bilingualToast } from '../kit/strings.js';
import { verifyDelivery } from './verify.js';

export { createFeishuAdapter } from './outbound.js';
export { toFeishuCard } from './render.js';

/** Paths. */
export const FEISHU_EVENTS_PATH = '/feishu/events';
export const FEISHU_CARDS_PATH = '/feishu/cards';

/** Feishu waits 3 s for a card callback; we answer from what is ready after this long. */
const CALLBACK_BUDGET_MS = 2_500;
const MAX_BODY = '1mb';
/** Attempts for an in-place edit after a slow callback that meets a rate limit or a 5xx. */
const REPLY_ATTEMPTS = 4;
/** How long start-up waits for the long connection's first handshake before giving up. */
const CONNECT_TIMEOUT_MS = 30_000;

export interface FeishuModuleOptions {
  /** Card-callback answer budget in ms (tests shorten it). */
  callbackBudgetMs?: number;
  now?: () => number;
}

/**
 * The Feishu/Lark platform: event subscription at POST /feishu/events, card callbacks at
 * POST /feishu/cards (both also accept the other's payloads, since the console can point both at
 * one URL). Every delivery is verified here (see verify.ts), then dispatched through the SDK's
 * EventDispatcher; events are acknowledged as soon as the core has durably accepted them, and card
 * callbacks are answered within Feishu's 3 s with the updated card and/or a toast while slower
 * work continues and is pushed through the open API.
 *
 * With `connection: 'websocket'` (FEISHU_CONNECTION) nothing is served over HTTP: the SDK's
 * WSClient opens Feishu's long connection (it asks `/callback/ws/endpoint` for a URL with the app
 * id and secret, then exchanges protobuf frames) and hands each event to the same EventDispatcher;
 * what a handler returns goes back in the answering frame, which is how a card callback's updated
 * card and toast reach Feishu in this mode. Feishu authenticates the connection itself, so the
 * verification token and encrypt key are not used. Feishu waits 3 s for an answer on this path too.
 */
export async function createFeishuModule(
  config: NonNullable<AppConfig['feishu']>,
  ctx: PlatformContext,
  options: FeishuModuleOptions = {},
): Promise<PlatformModule & { adapter: FeishuAdapter }> {
  registerSecrets(config.appSecret, config.verificationToken, config.encryptKey);
  const log = ctx.log.child({ platform: 'feishu' });
  const now = options.now ?? Date.now;
  const budgetMs = options.callbackBudgetMs ?? CALLBACK_BUDGET_MS;
  const api = createFeishuApi({ appId: config.appId, appSecret: config.appSecret, domain: config.domain, log });
  const adapter = createFeishuAdapter(api, { defaultLocale: ctx.defaultLocale, images: ctx.images });
  const platformLocale = isLark(config.domain) ? 'en' : 'zh-CN';
  const inbound: InboundOptions = { locale: platformLocale, now };
  const { core, inbound: pipeline } = ctx;

  const websocket = config.connection === 'websocket';
  if (!websocket && !config.encryptKey && !config.verificationToken) {
    log.warn('FEISHU_ENCRYPT_KEY and FEISHU_VERIFICATION_TOKEN are both unset: Feishu deliveries cannot be authenticated');
  }

  /**
   * Shows a reply: the replaced card edited in place (unless the callback answer already carried
   * it), then the form and the messages, in order, through the outbox (paced, retried, durable).
   */
  const show = async (event: InboundEvent, reply: Reply, replaceDone = false): Promise<void> => {
    const to = event.conversation;
    const messageId = event.kind === 'command' ? undefined : event.messageId;
    const queue: OutboundMessage[] = [];
    if (reply.replace && !replaceDone) {
      if (messageId) await send(() => adapter.update({ conversation: to, messageId }, reply.replace!), log);
      else queue.push(reply.replace);
    }
    if (reply.openForm) queue.push({ text: reply.openForm.title, card: reply.openForm.card });
    queue.push(...reply.messages);
    if (queue.length > 0) await ctx.deliverLater(to, queue);
  };

  const onCommand = async (event: InboundEvent | undefined): Promise<Record<string, never>> => {
    if (!event) return {};
    // Durable first (dedupe + inbox), then the 200; the command runs after the answer.
    await pipeline.receive(event, { show: (reply) => show(event, reply) });
    return {};
  };

  /**
   * A click waits for its result within the budget: the answer then carries the new card and the
   * toast, and the rest is posted after it. Past the budget the answer says "working on it" and
   * the whole reply is shown when it is ready.
   */
  const onCard = async (data: unknown): Promise<Record<string, unknown>> => {
    const event = mapCardAction(data, inbound);
    if (!event) return {};
    const known = await core.conversation(conversationKey(event.conversation));
    if (known) event.conversation = known;
    let answerInTime: ((body: Record<string, unknown>) => void) | undefined;
    const answered = new Promise<Record<string, unknown>>((resolve) => (answerInTime = resolve));
    const receipt = await pipeline.receive(event, {
      async show(reply) {
        if (!answerInTime) return show(event, reply);
        const answer = callbackAnswer(event, reply, adapter);
        answerInTime(answer.body);
        answerInTime = undefined;
        await show(event, { ...reply, messages: answer.remaining }, true);
      },
    });
    if (receipt === 'duplicate') return {};
    const budget = new AbortController();
    const late = sleep(budgetMs, undefined, { signal: budget.signal }).then(
      () => undefined,
      () => undefined,
    );
    const body = await Promise.race([answered, late]);
    budget.abort();
    if (body) return body;
    answerInTime = undefined;
    const locale = await core.localeFor(event.actor, event.conversation).catch(() => ctx.defaultLocale);
    return { toast: bilingualToast('working', 'info', locale) };
  };

  const dispatcher = new EventDispatcher({ loggerLevel: LoggerLevel.error, logger: feishuSdkLogger(log, 'warn') }).register({
    'im.message.receive_v1': (data: unknown) => onCommand(mapMessageEvent(data, inbound)),
    'application.bot.menu_v6': (data: unknown) => onCommand(mapMenuEvent(data, inbound)),
    'card.action.trigger': (data: unknown) => onCard(data),
  });

  const answer = async (req: Request, res: Response) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    const verified = verifyDelivery(raw, req.headers, config);
    if (!verified.ok) {
      ctx.metric('aftercare_inbound_rejected_total', { platform: 'feishu', status: String(verified.status) });
      log.warn('feishu delivery rejected', { path: req.originalUrl, status: verified.status, reason: verified.error });
      res.status(verified.status).json({ error: verified.error });
      return;
    }
    const payload = verified.payload;
    if (payload.type === 'url_verification') {
      res.json({ challenge: payload.challenge });
      return;
    }
    try {
      const result: unknown = await dispatcher.invoke(payload, { needCheck: false });
      res.json(result && typeof result === 'object' ? result : {});
    } catch (e) {
      // The delivery was not accepted (store unreachable…): a 5xx makes Feishu send it again.
      log.error('feishu delivery failed', { path: req.originalUrl, error: e });
      res.status(500).json({ error: 'delivery could not be accepted; it will be retried' });
    }
  };
  // The signature covers the exact body: read it as text, whatever the content type says.
  const body = express.text({ type: () => true, limit: MAX_BODY });

  let longConnection: WSClient | undefined;

  return {
    adapter,
    mount(app) {
      if (websocket) return;
      app.post([FEISHU_EVENTS_PATH, FEISHU_CARDS_PATH], body, (req, res, next) => {
        answer(req, res).catch(next);
      });
    },
    async start() {
      inbound.botOpenId = await botOpenId(api, log);
      if (!websocket) return;
      // The SDK reconnects by itself after a drop (with the interval Feishu tells it); start-up
      // waits for the first handshake, and a refusal (a wrong secret) stops it.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new ConfigError('FEISHU_CONNECTION', `the long connection to Feishu did not open within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
        longConnection = new WSClient({
          appId: config.appId,
          appSecret: config.appSecret,
          domain: sdkDomain(config.domain),
          logger: feishuSdkLogger(log, 'warn'),
          loggerLevel: LoggerLevel.warn,
          autoReconnect: true,
          source: 'aftercare',
          onReady: () => {
            clearTimeout(timer);
            log.info('feishu long connection open');
            resolve();
          },
          onError: (e) => {
            clearTimeout(timer);
            reject(new ConfigError('FEISHU_CONNECTION', `Feishu refused the long connection (${e.message})`));
          },
          onReconnecting: () => log.warn('feishu long connection lost; reconnecting'),
          onReconnected: () => log.info('feishu long connection open again'),
        });
        longConnection.start({ eventDispatcher: dispatcher }).catch(reject);
      }).catch((e: unknown) => {
        longConnection?.close({ force: true });
        throw e;
      });
    },
    async stop() {
      longConnection?.close({ force: true });
    },
  };
}

/**
 * The body of a card-callback answer: the replaced card (`card.type = raw`), and an only-you
 * message shown as a toast. Other messages are posted after the answer.
 */
function callbackAnswer(
  event: ActionEvent | SubmitEvent,
  reply: Reply,
  adapter: FeishuAdapter,
): { body: Record<string, unknown>; remaining: OutboundMessage[] } {
  const body: Record<string, unknown> = {};
  if (reply.replace) body.card = { type: 'raw', data: adapter.render(reply.replace, event.conversation) };
  const remaining = [...reply.messages];
  const toastIndex = remaining.findIndex((m) => m.visibility === 'ephemeral' && !m.card);
  if (toastIndex >= 0) {
    const [m] = remaining.splice(toastIndex, 1);
    const text = m!.text.replace(/\*\*|`/g, '');
    body.toast = { type: text.startsWith('⚠') ? 'error' : 'info', content: text.slice(0, 200) };
  }
  return { body, remaining };
}

/** Edits with a short, bounded wait on rate limits and 5xx (the outbox has no edit-by-message-id). */
async function send<T>(op: () => Promise<T>, log: Logger): Promise<T | undefined> {
  try {
    return await sendWithRetry(op, {
      attempts: REPLY_ATTEMPTS,
      // The adapter throws classified SendErrors; anything else is a bug, not worth a retry.
      classify: (e) => (e instanceof SendError ? e : new SendError(String(e), false, undefined, undefined, { cause: e })),
      maxDelayMs: 5_000,
    });
  } catch (e) {
    log.error('feishu reply could not be sent', { error: e });
    return undefined;
  }
}

/** The bot's open_id, to tell an @mention of the bot from one of a colleague. */
async function botOpenId(api: FeishuApi, log: Logger): Promise<string | undefined> {
  try {
    const res = (await api.client.request({ url: '/open-apis/bot/v3/info', method: 'GET' })) as {
      code?: number;
      bot?: { open_id?: string };
    };
    if (res.code === 0 && res.bot?.open_id) return res.bot.open_id;
    log.warn('feishu bot info unavailable; any @mention in a group will count as addressing the bot', { code: res.code });
  } catch (e) {
    log.warn('feishu bot info unavailable; any @mention in a group will count as addressing the bot', { error: e });
  }
  return undefined;
}
