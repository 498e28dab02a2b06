import { expect } from 'vitest';
import type { Logger } from '../../src/core/log.js';
import { startWireApp, type WireApp } from '../helpers/wire-app.js';
import type { ConnectorCall, FakeConnector } from './fake-connector.js';
import { postActivity } from './module-server.js';
import { ADMIN, commandMessage, type TeamsUser } from './teams-activities.js';

/**
 * Starts the fake Bot Connector, then the real server with Teams on (local-test mode, no bot
 * credentials) and ADMIN (teams:<aadObjectId>) as the admin; `env` adds or overrides settings.
 * `stop()` stops the server, then the connector, and removes the temp dir.
 */
export async function startTeamsWire(connector: FakeConnector, options: { prefix: string; db?: string; env?: Record<string, string>; log?: Logger }): Promise<WireApp> {
  await connector.start();
  const wire = await startWireApp({
    prefix: options.prefix,
    db: options.db ?? 'aftercare',
    log: options.log,
    env: { AFTERCARE_ADMINS: `teams:${ADMIN.aadObjectId}`, TEAMS_ENABLED: 'true', ...options.env },
  });
  return {
    ...wire,
    async stop() {
      await wire.app.stop();
      await connector.stop();
      wire.removeDir();
    },
  };
}

/**
 * Posts an activity to the server's /api/messages (expecting Teams' 200) and resolves with the
 * bot's reply to it (the connector call whose activityId is the activity's id).
 */
export async function postAndAwaitReply(appUrl: string, connector: FakeConnector, activity: { id: string } & Record<string, unknown>, what = `reply to ${activity.id}`): Promise<ConnectorCall> {
  const before = connector.calls.length;
  expect((await postActivity(appUrl, activity)).status).toBe(200);
  await connector.waitUntil((calls) => calls.slice(before).some((c) => c.activityId === activity.id), 8000, what);
  return connector.calls.slice(before).find((c) => c.activityId === activity.id)!;
}

/** Says `text` in a channel as `from` (mentioning `mentions`) and resolves with the bot's reply. */
export function sayAndAwaitReply(appUrl: string, connector: FakeConnector, from: TeamsUser, channel: string, text: string, mentions: TeamsUser[] = []): Promise<ConnectorCall> {
  return postAndAwaitReply(appUrl, connector, commandMessage(connector.url, from, channel, text, mentions), `reply to "${text}"`);
}

/** Whether a connector call is in conversation `id` (any thread of it). */
export const inConv = (id: string) => (c: ConnectorCall) => c.conversationId.split(';')[0] === id;
