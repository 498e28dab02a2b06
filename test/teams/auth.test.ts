import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedTokenCredentials, FakeBotIssuer, strangerKey } from './bot-auth.js';
import { FakeConnector } from './fake-connector.js';
import { fixture } from './fixtures.js';
import { postActivity, startTeamsModule } from './module-server.js';
import { StubCore } from './stub-core.js';

const APP_ID = '6f2c1a9e-8d3b-4c5e-9f70-1a2b3c4d5e6f';
const connector = new FakeConnector();
const issuer = new FakeBotIssuer();
const core = new StubCore();
let server: Awaited<ReturnType<typeof startTeamsModule>>;

function activity(id: string): Record<string, unknown> {
  const raw = fixture('message');
  raw.serviceUrl = connector.url;
  raw.id = id;
  raw.text = 'issue list';
  return raw;
}

beforeAll(async () => {
  await connector.start();
  await issuer.start();
  server = await startTeamsModule(
    {
      appId: APP_ID,
      appPassword: 'not-used-with-fixed-credentials',
      appType: 'MultiTenant',
      endpoints: { openIdMetadataUrl: issuer.metadataUrl },
      credentialsFactory: fixedTokenCredentials(APP_ID, 'outbound-token'),
    },
    core,
  );
});
afterAll(async () => {
  await server.stop();
  await issuer.stop();
  await connector.stop();
});

describe('Teams endpoint with an app id configured', () => {
  it('refuses a request without a token with 401 and changes nothing', async () => {
    const res = await postActivity(server.url, activity('no-token'));
    expect(res.status).toBe(401);
    expect(core.claimed.size).toBe(0);
    expect(core.remembered.size).toBe(0);
    expect(connector.attempts).toBe(0);
  });

  it('refuses tokens signed by an unknown key, for another bot, from another issuer, for another serviceUrl or expired', async () => {
    const serviceurl = connector.url;
    const bad = [
      issuer.sign({ aud: APP_ID, serviceurl }, strangerKey()),
      issuer.sign({ aud: '11111111-2222-3333-4444-555555555555', serviceurl }),
      issuer.sign({ aud: APP_ID, serviceurl, iss: 'https://evil.example.com' }),
      issuer.sign({ aud: APP_ID, serviceurl: 'https://attacker.example.com/' }),
      issuer.sign({ aud: APP_ID, serviceurl, expiresInSec: -3600 }),
      'not-a-jwt',
    ];
    for (const [i, token] of bad.entries()) {
      const res = await postActivity(server.url, activity(`bad-${i}`), token);
      expect(res.status, `token #${i}`).toBe(401);
    }
    expect(core.claimed.size).toBe(0);
    expect(core.remembered.size).toBe(0);
    expect(connector.attempts).toBe(0);
  });

  it('accepts a token signed by the Bot Framework key and replies with the bot credentials', async () => {
    const res = await postActivity(server.url, activity('good-1'), issuer.sign({ aud: APP_ID, serviceurl: connector.url }));
    expect(res.status).toBe(200);
    await connector.waitForCalls(1);
    expect(core.processed).toHaveLength(1);
    expect(connector.calls[0]!.headers.authorization).toBe('Bearer outbound-token');
    expect(issuer.fetches).toBeGreaterThan(0);
  });
});
