import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.js';
import { loadConfig } from '../../src/config.js';
import { keys } from '../../src/core/keys.js';
import { memoryLogger, tempSqliteUrl } from '../helpers/env.js';
import { startFakeSlack, type FakeSlack } from '../slack/fake-slack.js';

const event = { user: 'mallory', role: 'admin', lang: 'en', channel: 'support-acme', kind: 'command', text: '/issue list all' };
const post = (app: RunningApp, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/playground/event`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(event) });

let fake: FakeSlack;
const started: RunningApp[] = [];
async function start(env: Record<string, string>): Promise<RunningApp> {
  const app = await startApp(loadConfig({ PORT: '0', HOST: '127.0.0.1', AFTERCARE_STORE: tempSqliteUrl('pg-access'), ...env }), { log: memoryLogger() });
  started.push(app);
  return app;
}

beforeAll(async () => {
  fake = await startFakeSlack();
});
afterAll(async () => {
  for (const app of started) await app.stop();
  await fake.close();
});

describe('who is served the playground', () => {
  it('nobody, once a real platform is configured: its page and events answer 404 and change nothing', async () => {
    const app = await start({ SLACK_BOT_TOKEN: 'xoxb-access', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: fake.apiUrl });
    expect((await fetch(`${app.url}/`)).status).toBe(404);
    expect((await post(app)).status).toBe(404);
    expect(await app.store.claim(keys.playgroundSeeded(), 1000)).toBe(true);
    expect(await app.store.inboxPending(10)).toEqual([]);
  });

  it('this machine only by default on a bare checkout: a request through a proxy is refused', async () => {
    const app = await start({});
    expect((await fetch(`${app.url}/`)).status).toBe(200);
    const proxied = await post(app, { 'x-forwarded-for': '203.0.113.7' });
    expect(proxied.status).toBe(403);
    expect(((await proxied.json()) as { error: string }).error).toContain('AFTERCARE_PLAYGROUND=public');
    expect((await post(app)).status).toBe(200);
  });

  it('anyone when AFTERCARE_PLAYGROUND=public, even with a platform configured', async () => {
    const app = await start({ SLACK_BOT_TOKEN: 'xoxb-access', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: fake.apiUrl, AFTERCARE_PLAYGROUND: 'public' });
    expect((await fetch(`${app.url}/`)).status).toBe(200);
    expect((await post(app, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(200);
  });
});
