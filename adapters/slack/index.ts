import { App, ExpressReceiver, SocketModeReceiver } from '@slack/bolt';
import type { AppConfig } from '../../src/config.js';
import { ConfigError } from '../../src/config.js';
import { registerSecrets } from '../../src/core/log.js';
import type { PlatformContext, PlatformModule } from '../../src/core/ports.js';
import { toBoltLogger } from './bolt-logger.js';
import { dispatchableSocketPayload, slackRequestGuard } from './guard.js';
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
 * The Slack platform: Bolt, plus the outbound adapter the outbox sends with. Requests come in one
 * of two ways, to the same listeners and so the same inbound pipeline and dedupe:
 * - over HTTP: an ExpressReceiver mounted on the shared express app at POST /slack/events,
 *   verified with the signing secret;
 * - in Socket Mode, when an app-level token (`xapp-…`) is configured: Bolt's SocketModeReceiver
 *   asks apps.connections.open for a WebSocket URL and Slack sends every request over that
 *   connection as an envelope (`slash_commands`, `interactive`, `events_api`), acknowledged by
 *   `envelope_id`. Nothing is exposed: no public URL, no signing secret. The receiver reconnects
 *   by itself when Slack recycles the connection.
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
  const clientOptions = webClientOptions(config.apiUrl, log);
  const socketMode = config.appToken !== undefined;
  let receiver: ExpressReceiver | SocketModeReceiver;
  if (config.appToken) {
    registerSecrets(config.appToken);
    // apps.connections.open goes to the same Web API base as every other call (SLACK_API_URL).
    receiver = new SocketModeReceiver({ appToken: config.appToken, logger: boltLogger, installerOptions: { clientOptions } });
  } else if (config.signingSecret) {
    receiver = new ExpressReceiver({ signingSecret: config.signingSecret, endpoints: SLACK_EVENTS_PATH, processBeforeResponse: true, logger: boltLogger });
  } else throw new ConfigError('SLACK_SIGNING_SECRET', 'set it (HTTP) or SLACK_APP_TOKEN (Socket Mode)');
  const bolt = new App({
    receiver,
    logger: boltLogger,
    authorize: async () => ({ botToken: config.botToken, botId: identity.botId, botUserId: identity.botUserId }),
    clientOptions,
    convoStore: false,
  });
  if (socketMode) {
    // The HTTP path refuses payloads our listeners cannot take before Bolt reads them (guard.ts);
    // in Socket Mode the same ones are acknowledged (so Slack does not send them again) and dropped.
    const process = bolt.processEvent.bind(bolt);
    bolt.processEvent = async (event) => {
      if (dispatchableSocketPayload(event.body)) return process(event);
      log.warn('slack socket mode payload refused: not a Slack payload our listeners take', { type: (event.body as { type?: unknown })?.type });
      await event.ack();
    };
  }
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
      if (receiver instanceof ExpressReceiver) {
        app.use(SLACK_EVENTS_PATH, slackRequestGuard(log, config.signingSecret!, now));
        app.use(receiver.router);
      }
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
      if (socketMode) {
        // Resolves once Slack has said hello on the connection; an app token Slack refuses
        // (invalid_auth, not_allowed_token_type) stops start-up, naming the variable.
        try {
          await bolt.start();
        } catch (e) {
          throw new ConfigError('SLACK_APP_TOKEN', `Slack refused the Socket Mode connection (${platformErrorCode(e) ?? (e instanceof Error ? e.message : String(e))})`);
        }
        log.info('slack socket mode connected');
      }
    },
    async stop() {
      if (socketMode) await bolt.stop();
    },
  };
}
