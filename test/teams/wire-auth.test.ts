import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeamsModuleConfig } from '../../adapters/teams/index.js';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/log.js';
import { conversationKey } from '../../src/core/ports.js';
import { FakeBotIssuer, fixedTokenCredentials, strangerKey } from './bot-auth.js';
import { FakeConnector } from './fake-connector.js';
import { postActivity } from './module-server.js';
import { ACME_CHANNEL, ADMIN, commandMessage, TENANT } from './teams-activities.js';

/**
 * The running server with MICROSOFT_APP_ID set: Bot Framework JWTs are checked against OpenID
 * metadata and keys served on loopback (the only override of the real auth configuration), and the
 * bot's own outbound token comes from fixed test credentials instead of Azure AD.
 */
const APP_ID = '6f2c1a9e-8d3b-4c5e-9f70-1a2b3c4d5e6f';
const PASSWORD = 'app-password-never-logged';
const tmp = mkdtempSync(join(tmpdir(), 'teams-wire-auth-'));
const connector = new FakeConnector();
const issuer = new FakeBotIssuer();
const logs: string[] = [];
let app: RunningApp;

const channelKey = conversationKey({ platform: 'teams', tenantId: TENANT, channelId: ACME_CHANNEL });

beforeAll(async () => {
  await connector.start();
  await issuer.start();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    AFTERCARE_STORE: `sqlite://${join(tmp, 'aftercare.sqlite')}`,
    AFTERCARE_ADMINS: `teams:${ADMIN.aadObjectId}`,
    AFTERCARE_PLAYGROUND: 'off',
    MICROSOFT_APP_ID: APP_ID,
    MICROSOFT_APP_PASSWORD: PASSWORD,
  });
  const teams = config.teams as TeamsModuleConfig;
  teams.endpoints = { openIdMetadataUrl: issuer.metadataUrl };
  teams.credentialsFactory = fixedTokenCredentials(APP_ID, 'outbound-token');
  app = await startApp(config, { log: createLogger({ level: 'debug', sink: (l) => logs.push(l) }) });
});

afterAll(async () => {
  await app?.stop();
  await issuer.stop();
  await connector.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('Teams on the running server with an app id configured', () => {
  it('answers 401 to a request without a token, or with a forged, foreign or expired one, and changes nothing', async () => {
    const serviceurl = connector.url;
    const tokens = [
      undefined,
      'garbage',
      issuer.sign({ aud: APP_ID, serviceurl }, strangerKey()),
      issuer.sign({ aud: '11111111-2222-3333-4444-555555555555', serviceurl }),
      issuer.sign({ aud: APP_ID, serviceurl, expiresInSec: -3600 }),
    ];
    for (const [i, token] of tokens.entries()) {
      const res = await postActivity(app.url, commandMessage(connector.url, ADMIN, ACME_CHANNEL, 'aftercare org acme'), token);
      expect(res.status, `token #${i}`).toBe(401);
    }
    expect(await app.core.conversation(channelKey)).toBeUndefined();
    expect(await app.services.directory.orgOf({ platform: 'teams', tenantId: TENANT, channelId: ACME_CHANNEL })).toBeUndefined();
    expect(connector.attempts).toBe(0);
  });

  it('runs a command signed by the Bot Framework and replies with the bot\'s own token', async () => {
    const activity = commandMessage(connector.url, ADMIN, ACME_CHANNEL, 'aftercare org acme');
    const res = await postActivity(app.url, activity, issuer.sign({ aud: APP_ID, serviceurl: connector.url }));
    expect(res.status).toBe(200);
    await connector.waitUntil((calls) => calls.some((c) => c.activityId === activity.id), 8000, 'reply');
    const reply = connector.calls.find((c) => c.activityId === activity.id)!;
    expect(reply.headers.authorization).toBe('Bearer outbound-token');
    expect(await app.services.directory.orgOf({ platform: 'teams', tenantId: TENANT, channelId: ACME_CHANNEL })).toBe('acme');
    expect(await app.core.conversation(channelKey)).toMatchObject({ platform: 'teams', channelId: ACME_CHANNEL });
  });

  it('never logs the app password', () => {
    expect(logs.join('\n')).not.toContain(PASSWORD);
  });
});
