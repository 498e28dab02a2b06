import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { CloudAdapter } from 'botbuilder';
import { registerSecrets } from '../../src/core/log.js';
import type { PlatformContext, PlatformModule } from '../../src/core/ports.js';
import { createTeamsAuthentication, type TeamsModuleConfig } from './auth.js';
import { createTeamsHandler } from './handler.js';
import { createTeamsChatAdapter } from './outbound.js';

export type { TeamsModuleConfig, TeamsEndpoints } from './auth.js';

/** The Bot Framework messaging endpoint. */
export const TEAMS_PATH = '/api/messages';

/**
 * Microsoft Teams through the official botbuilder CloudAdapter with ConfigurationBotFrameworkAuthentication.
 * With an app id, every request must carry a valid Bot Framework token (else 401, nothing stored);
 * with none it runs unauthenticated for local testing (config refuses that in production).
 */
export async function createTeamsModule(config: TeamsModuleConfig, ctx: PlatformContext): Promise<PlatformModule> {
  const log = ctx.log.child({ platform: 'teams' });
  registerSecrets(config.appPassword);
  if (!config.appId) {
    log.warn('teams: MICROSOFT_APP_ID is not set — /api/messages accepts unauthenticated requests (local testing only; refused when NODE_ENV=production)');
  }
  const auth = createTeamsAuthentication(config);
  const cloud = new CloudAdapter(auth);
  const adapter = createTeamsChatAdapter(cloud, config.appId);
  const handle = createTeamsHandler({
    adapter: cloud,
    auth,
    core: ctx.core,
    inbound: ctx.inbound,
    chat: adapter,
    log,
    deliverLater: ctx.deliverLater,
    ...(config.invokeBudgetMs ? { invokeBudgetMs: config.invokeBudgetMs } : {}),
  });
  const json = express.json({ limit: '1mb' });

  return {
    adapter,
    mount(app: Express) {
      app.post(
        TEAMS_PATH,
        (req: Request, res: Response, next: NextFunction) =>
          json(req, res, (err?: unknown) => (err ? void res.status(400).json({ error: 'body must be a JSON activity' }) : next())),
        (req: Request, res: Response) => {
          handle(req, res).catch((err: unknown) => {
            log.error('teams: request failed', { err });
            if (!res.headersSent) res.status(500).end();
          });
        },
      );
    },
  };
}
