import { App, ExpressReceiver } from '@slack/bolt';
import type { AppConfig } from '../../src/config.js';
import { ConfigError } from '../../src/config.js';
import { registerSecrets } from '../../src/core/log.js';
import type { PlatformContext, PlatformModule } from '../../src/core/ports.js';
import { toBoltLogger } from './bolt-logger.js';
import { slackRequestGuard } from './guard.js';
import { registerListeners } from './listeners.js';
import { createLocaleCache } from './locale.js';
import { createSlackAdapter } from './outbound.js';
import { lightFetch } from '../../src/http/light-fetch.js';
import { createReplier } from './reply.js';
import { createWebClient, platformErrorCode, toSendError, webClientOptions } from './web-api.js';
import { createWorkQueue } from '../../src/core/work-queue.js';

/** The one Slack Request URL: slash commands, interactivity and events (PRODUCT.md §5). */
export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * Replies worked on at once after their acks. The work is mostly store round trips on one
 * connection and CPU on one event loop, so a few at a time finish as fast as many, and keep the
 * queue in front of the next ack short.
 */
const WORK_CONCURRENCY = 2;

/** Slack answers that mean the bot token itself is wrong: start-up stops naming the variable. */
const BAD_TOKEN = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);

export interface SlackModuleOptions {
  now?: () => number;
}

/**
 * The Slack platform: Bolt (ExpressReceiver) mounted on the shared express app at
 * POST /slack/events, plus the outbound adapter the outbox sends with.
 *
 * Bolt is given an `authorize` that answers from memory (no auth.test per request, which would
 * push acks past 3 s when the Web API is slow — SDK-NOTES); `start()` runs auth.test once to learn
 * the bot's own ids. Every Web API client runs without SDK retries: the outbox owns them.
 */
export async function createSlackModule(
  config: AppConfig['slack'] & {},
  ctx: PlatformContext,
  options: SlackModuleOptions = {},
): Promise<PlatformModule> {
  const log = ctx.log.child({ platform: 'slack' });
  const now = options.now ?? Date.now;
  registerSecrets(config.botToken, config.signingSecret);

  const client = createWebClient(config.botToken, config.apiUrl, log);
  const identity: { botId?: string; botUserId?: string } = {};
  const adapter = createSlackAdapter({ client, locale: ctx.defaultLocale, moreUrl: ctx.publicUrl });
  const work = createWorkQueue({ concurrency: WORK_CONCURRENCY }, log);
  const replier = createReplier({
    client,
    fetch: lightFetch,
    post: adapter.postRendered,
    update: adapter.updateRendered,
    log,
    moreUrl: ctx.publicUrl,
    deliverLater: (conversation, messages) => ctx.deliverLater(conversation, messages),
  });

  const boltLogger = toBoltLogger(log.child({ component: 'bolt' }));
  const receiver = new ExpressReceiver({
    signingSecret: config.signingSecret,
    endpoints: SLACK_EVENTS_PATH,
    processBeforeResponse: true,
    logger: boltLogger,
  });
  const bolt = new App({
    receiver,
    logger: boltLogger,
    authorize: async () => ({ botToken: config.botToken, botId: identity.botId, botUserId: identity.botUserId }),
    clientOptions: webClientOptions(config.apiUrl, log),
    convoStore: false,
  });
  registerListeners(bolt, {
    core: ctx.core,
    log,
    locales: createLocaleCache(client, log),
    replier,
    work,
    botUserId: () => identity.botUserId,
    metric: ctx.metric,
    now,
  });

  return {
    adapter: {
      ...adapter,
      async close() {
        const left = await work.stop(5_000);
        if (left) log.info('slack: replies left in the inbox for the next start', { count: left });
      },
    },
    mount(app) {
      app.use(SLACK_EVENTS_PATH, slackRequestGuard(log, now), (_req, res, next) => {
        // Work after earlier acks waits while this request is being acknowledged.
        work.hold();
        res.once('close', () => work.release());
        next();
      });
      app.use(receiver.router);
    },
    async start() {
      try {
        const res = await client.auth.test();
        identity.botId = res.bot_id;
        identity.botUserId = res.user_id;
        log.info('slack connected', { team: res.team, botUserId: res.user_id });
      } catch (e) {
        const code = platformErrorCode(e);
        if (code && BAD_TOKEN.has(code)) throw new ConfigError('SLACK_BOT_TOKEN', `Slack refused the token (${code})`);
        log.warn('slack auth.test failed; continuing without the bot ids', { error: toSendError(e).message });
      }
    },
  };
}
