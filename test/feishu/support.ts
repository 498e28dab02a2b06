import type { RunningApp } from '../../server/app.js';
import type { Logger } from '../../src/core/log.js';
import { startWireApp } from '../helpers/wire-app.js';
import { startFakeOpenApi, type FakeOpenApi } from './fake-open-api.js';
import { APP_ID, ENCRYPT_KEY, until, VERIFICATION_TOKEN } from './feishu-events.js';

/** The fake Feishu open API and the real server pointed at it, as the Feishu wire tests start them. */
export interface FeishuWire {
  fake: FakeOpenApi;
  app: RunningApp;
  dir: string;
  /** Stops the server (then `afterApp`, then the fake) and removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts a fake open API (`botOpenId`), then the real server with FEISHU_DOMAIN on it, the admins
 * (`feishu:<open_id>`, comma-separated), the app id and secret, and — for HTTP deliveries (the
 * default) — the verification token and encrypt key `deliver` uses; with `longConnection` it
 * connects over the long connection instead (FEISHU_CONNECTION=websocket, no token or key).
 * `beforeApp` runs between the two (e.g. to point the fake at a long-connection server). `env`
 * adds or overrides settings.
 */
export async function startFeishuWire(options: {
  prefix: string;
  db?: string;
  admins: string;
  botOpenId?: string;
  appSecret?: string;
  longConnection?: boolean;
  env?: Record<string, string>;
  log?: Logger;
  beforeApp?: (fake: FakeOpenApi) => Promise<void> | void;
  afterApp?: () => Promise<void>;
}): Promise<FeishuWire> {
  const fake = await startFakeOpenApi(options.botOpenId === undefined ? undefined : { botOpenId: options.botOpenId });
  await options.beforeApp?.(fake);
  const wire = await startWireApp({
    prefix: options.prefix,
    db: options.db ?? 'aftercare',
    log: options.log,
    env: {
      AFTERCARE_ADMINS: options.admins,
      FEISHU_APP_ID: APP_ID,
      FEISHU_APP_SECRET: options.appSecret ?? 'feishu-app-secret',
      ...(options.longConnection ? { FEISHU_CONNECTION: 'websocket' } : { FEISHU_VERIFICATION_TOKEN: VERIFICATION_TOKEN, FEISHU_ENCRYPT_KEY: ENCRYPT_KEY }),
      FEISHU_DOMAIN: fake.url,
      ...options.env,
    },
  });
  return {
    fake,
    app: wire.app,
    dir: wire.dir,
    async stop() {
      await wire.app.stop();
      await options.afterApp?.();
      await fake.close();
      wire.removeDir();
    },
  };
}

/** Cards (and texts) the bot created in `chat`, oldest first. */
export const createdIn = (fake: FakeOpenApi, chat: string) => fake.created().filter((c) => c.receive_id === chat);

/** Waits for the bot's next message in `chat` after the first `before` ones (a reply to `text`) and returns it. */
export async function replyIn(fake: FakeOpenApi, chat: string, before: number, text: string) {
  return until(() => createdIn(fake, chat)[before], `reply to "${text}"`);
}
