import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventDispatcher, LoggerLevel } from '@larksuiteoapi/node-sdk';
import type { AppConfig } from '../../src/config.js';
import { registerSecrets, type Logger } from '../../src/core/log.js';
import { conversationKey, SendError, type PlatformContext, type PlatformModule, type Reply } from '../../src/core/ports.js';
import type { ActionEvent, InboundEvent, OutboundMessage, SubmitEvent } from '../../src/core/types.js';
import { createFeishuApi, isLark, type FeishuApi } from './api.js';
import { mapCardAction, mapMenuEvent, mapMessageEvent, type InboundOptions } from './inbound.js';
import { createFeishuAdapter, type FeishuAdapter } from './outbound.js';
import { bilingualToast } from './strings.js';
import { verifyDelivery } from './verify.js';
// Shared with the Slack adapter; belongs in src/core (see the report to the lead).
import { createWorkQueue } from '../../src/core/work-queue.js';

export { createFeishuAdapter } from './outbound.js';
export { toFeishuCard } from './render.js';

/** Paths of PRODUCT.md §5. */
export const FEISHU_EVENTS_PATH = '/feishu/events';
export const FEISHU_CARDS_PATH = '/feishu/cards';

/** Feishu waits 3 s for a card callback; we answer from what is ready after this long. */
const CALLBACK_BUDGET_MS = 2_500;
const MAX_BODY_BYTES = 1024 * 1024;
/** Attempts for an in-place edit after a slow callback that meets a rate limit or a 5xx. */
const REPLY_ATTEMPTS = 4;
/**
 * Commands worked on at once after their answers. The work is CPU on the event loop that also
 * answers deliveries: a few at a time finish as fast as many, and keep the next answer's wait short.
 */
const WORK_CONCURRENCY = 2;

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
  const adapter = createFeishuAdapter(api, { defaultLocale: ctx.defaultLocale });
  const platformLocale = isLark(config.domain) ? 'en' : 'zh-CN';
  const inbound: InboundOptions = { locale: platformLocale, now };
  const { core } = ctx;
  const work = createWorkQueue({ concurrency: WORK_CONCURRENCY }, log);

  if (!config.encryptKey && !config.verificationToken) {
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

  const background = (event: InboundEvent, job: () => Promise<void>) => work.push(event.id, job);

  const onCommand = async (event: InboundEvent | undefined): Promise<Record<string, never>> => {
    if (!event) return {};
    // Durable first (dedupe + inbox), then the 200; the command runs after the answer.
    if (!(await core.accept(event))) return {};
    background(event, async () => {
      await core.rememberConversation(event.conversation);
      await show(event, await core.process(event));
    });
    return {};
  };

  const onCard = async (data: unknown): Promise<Record<string, unknown>> => {
    const event = mapCardAction(data, inbound);
    if (!event) return {};
    const known = await core.conversation(conversationKey(event.conversation));
    if (known) event.conversation = known;
    if (!(await core.accept(event))) return {};
    // A click waits for its result (the answer carries the new card), within the budget.
    const running = core.rememberConversation(event.conversation).then(() => core.process(event));
    const budget = new AbortController();
    const late = sleep(budgetMs, undefined, { signal: budget.signal }).catch(() => undefined);
    const reply = await Promise.race([running, late]);
    budget.abort();
    if (!reply) {
      background(event, async () => show(event, await running));
      const locale = await core.localeFor(event.actor, event.conversation).catch(() => ctx.defaultLocale);
      return { toast: bilingualToast('working', 'info', locale) };
    }
    const answer = callbackAnswer(event, reply, adapter);
    background(event, () => show(event, { ...reply, messages: answer.remaining }, true));
    return answer.body;
  };

  const dispatcher = new EventDispatcher({ loggerLevel: LoggerLevel.error, logger: sdkLogger(log) }).register({
    'im.message.receive_v1': (data: unknown) => onCommand(mapMessageEvent(data, inbound)),
    'application.bot.menu_v6': (data: unknown) => onCommand(mapMenuEvent(data, inbound)),
    'card.action.trigger': (data: unknown) => onCard(data),
  });

  // Served straight from node:http (see PlatformModule.routes): the answer is the hot path.
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    work.hold();
    try {
      await answer(req, res);
    } finally {
      work.release();
    }
  };

  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    let raw: string;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch {
      sendJson(res, 413, { error: 'body too large' });
      return;
    }
    const verified = verifyDelivery(raw, req.headers, config);
    if (!verified.ok) {
      ctx.metric('aftercare_inbound_rejected_total', { platform: 'feishu', status: String(verified.status) });
      log.warn('feishu delivery rejected', { path: req.url, status: verified.status, reason: verified.error });
      sendJson(res, verified.status, { error: verified.error });
      return;
    }
    const payload = verified.payload;
    if (payload.type === 'url_verification') {
      sendJson(res, 200, { challenge: payload.challenge });
      return;
    }
    try {
      const result: unknown = await dispatcher.invoke(payload, { needCheck: false });
      sendJson(res, 200, result && typeof result === 'object' ? result : {});
    } catch (e) {
      // The delivery was not accepted (store unreachable…): a 5xx makes Feishu send it again.
      log.error('feishu delivery failed', { path: req.url, error: e });
      sendJson(res, 500, { error: 'delivery could not be accepted; it will be retried' });
    }
  };

  return {
    adapter: {
      ...adapter,
      /**
       * Shutdown: queued replies get a few seconds to finish; what is still queued after that is a
       * command not yet run, which stays in the core's inbox and resumes after a restart.
       */
      async close() {
        await work.drain(5_000);
        const dropped = await work.stop();
        if (dropped > 0) log.info('feishu work left for the inbox to resume', { dropped });
      },
    },
    mount() {
      // Both paths are served from `routes`, ahead of express.
    },
    routes: { [FEISHU_EVENTS_PATH]: handle, [FEISHU_CARDS_PATH]: handle },
    async start() {
      inbound.botOpenId = await botOpenId(api, log);
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
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof SendError) || !e.retryable || attempt >= REPLY_ATTEMPTS) {
        log.error('feishu reply could not be sent', { attempt, error: e });
        return undefined;
      }
      const wait = Math.min(5_000, e.retryAfterMs ?? 250 * 2 ** attempt);
      await sleep(wait);
    }
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

function sdkLogger(log: Logger) {
  return {
    error: (...msg: unknown[]) => log.warn('feishu sdk', { detail: msg }),
    warn: (...msg: unknown[]) => log.debug('feishu sdk', { detail: msg }),
    info: () => undefined,
    debug: () => undefined,
    trace: () => undefined,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

