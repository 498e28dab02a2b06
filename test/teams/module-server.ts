import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createTeamsModule, type TeamsModuleConfig } from '../../adapters/teams/index.js';
import { createLogger, type Logger } from '../../src/core/log.js';
import type { CoreApi, PlatformModule } from '../../src/core/ports.js';
import { scriptedPipeline, type ScriptedSteps } from '../helpers/scripted-pipeline.js';
import type { ConversationRef, OutboundMessage } from '../../src/core/types.js';

/** What the module handed to `deliverLater` (the outbox, which this harness does not run). */
export interface HandedOver {
  conversation: ConversationRef;
  messages: OutboundMessage[];
}

/** The Teams module mounted alone on a loopback express server (port 0), with a given core. */
export async function startTeamsModule(
  config: TeamsModuleConfig,
  core: CoreApi & ScriptedSteps,
): Promise<{ url: string; module: PlatformModule; logs: string[]; handedOver: HandedOver[]; stop(): Promise<void> }> {
  const logs: string[] = [];
  const handedOver: HandedOver[] = [];
  const log: Logger = createLogger({ level: 'debug', sink: (line) => logs.push(line) });
  const deliverLater = async (conversation: ConversationRef, messages: OutboundMessage[]) => {
    handedOver.push({ conversation, messages });
  };
  const module = await createTeamsModule(config, { core, inbound: scriptedPipeline(core), log, publicUrl: 'http://localhost', defaultLocale: 'en', metric: () => {}, deliverLater });
  const app = express();
  module.mount(app);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    module,
    logs,
    handedOver,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** POSTs an activity to /api/messages like the Bot Connector does. */
export async function postActivity(baseUrl: string, activity: unknown, token?: string): Promise<{ status: number; body: unknown; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof activity === 'string' ? activity : JSON.stringify(activity),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body, ms: performance.now() - started };
}
