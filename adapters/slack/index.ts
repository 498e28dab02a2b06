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
import { createReplier } from './reply.js';
import { createWebClient, platformErrorCode, toSendError, webClientOptions } from './web-api.js';

/** The one Slack Request URL: slash commands, interactivity and events. */
export const SLACK_EVENTS_PATH = '/slack/events';

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
  const identity: { botId?: string; botUserId?: string; teamId?: string } = {};
  const adapter = createSlackAdapter({ client, locale: ctx.defaultLocale, moreUrl: ctx.publicUrl });
  const replier = createReplier({
    client,
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
    inbound: ctx.inbound,
    log,
    locales: createLocaleCache(client, log),
    replier,
    botUserId: () => identity.botUserId,
    installedTeam: () => identity.teamId,
    metric: ctx.metric,
    now,
  });

  return {
    adapter,
    mount(app) {
      app.use(SLACK_EVENTS_PATH, slackRequestGuard(log, config.signingSecret, now));
      app.use(receiver.router);
    },
    async start() {
      try {
        const res = await client.auth.test();
        identity.botId = res.bot_id;
        identity.botUserId = res.user_id;
        // An org-wide Enterprise Grid install answers with the org's id and no workspace.
        identity.teamId = res.team_id || res.enterprise_id || undefined;
        log.info('slack connected', { team: res.team, botUserId: res.user_id });
      } catch (e) {
        const error = toSendError(e);
        // A token Slack refuses stops start-up, naming the variable.
        if (error.code === 'auth') throw new ConfigError('SLACK_BOT_TOKEN', `Slack refused the token (${platformErrorCode(e) ?? error.message})`);
        log.warn('slack auth.test failed; continuing without the bot ids', { error: error.message });
      }
    },
  };
}
