import { execFileSync } from 'node:child_process';
import { commands } from '../../commands/index.js';
import { loadConfig } from '../../src/config.js';
import { createCore, type Core } from '../../src/core/dispatcher.js';
import { createInboundPipeline, type InboundPipeline } from '../../src/core/inbound.js';
import type { ChatAdapter, Reply } from '../../src/core/ports.js';
import type { Role } from '../../src/core/registry.js';
import type { StateStore } from '../../src/core/store.js';
import type { ConversationRef, InboundEvent, OutboundMessage, SentRef } from '../../src/core/types.js';
import { createServices, type Services } from '../../src/domain/index.js';
import { openStore } from '../../src/state/store.js';
import { memoryLogger, tempSqliteUrl } from './env.js';

export interface Sent {
  channel: string;
  message: OutboundMessage;
  kind: 'post' | 'update';
  messageId: string;
}

/** Clears a Redis database for an isolated test (CI's redis-server is shared by test files). */
export function flushRedis(url: string): void {
  execFileSync('redis-cli', ['-u', url, 'flushdb']);
}

/**
 * Core + services + a recording adapter on a real store, with a settable clock. Commands run
 * through the real dispatcher; pushes go through the real outbox to the recording adapter.
 */
export async function createHarness(options: { storeUrl?: string; env?: Record<string, string> } = {}) {
  const log = memoryLogger();
  let clock = Date.parse('2026-11-24T10:00:00Z');
  const now = () => clock;
  const config = loadConfig({ AFTERCARE_ADMINS: 'playground:root', AFTERCARE_STORE: options.storeUrl ?? tempSqliteUrl('h'), ...options.env });
  const store: StateStore = await openStore(config.store);
  const services: Services = createServices({ store, config, log, now });
  const core: Core = createCore({
    store,
    commands,
    services,
    log,
    now,
    identify: (a, c) => services.directory.identify(a, c),
  });
  const inbound: InboundPipeline = createInboundPipeline({
    core,
    store,
    log,
    now,
    async deliverLater(conv, msgs) {
      for (const m of msgs) await services.outbox.post(conv, m);
    },
  });
  /** Sends an event through the inbound pipeline; resolves with its reply, or undefined for a duplicate. */
  async function handle(event: InboundEvent): Promise<Reply | undefined> {
    let shown!: (reply: Reply) => void;
    let failed!: (error: Error) => void;
    const reply = new Promise<Reply>((resolve, reject) => {
      shown = resolve;
      failed = reject;
    });
    const receipt = await inbound.receive(event, { show: async (r) => shown(r), failed: (id) => failed(new Error(`delivery failed (${id})`)) });
    return receipt === 'duplicate' ? undefined : reply;
  }
  const sent: Sent[] = [];
  let n = 0;
  const adapter: ChatAdapter = {
    platform: 'playground',
    capabilities: { ephemeral: true, updateInPlace: true, modals: true, images: true },
    limits: { perConversationPerSecond: 1000, perConversationBurst: 1000, perAppPerSecond: 10_000 },
    async post(ref, message): Promise<SentRef> {
      const messageId = `m${++n}`;
      sent.push({ channel: ref.channelId, message, kind: 'post', messageId });
      return { conversation: ref, messageId };
    },
    async update(s, message) {
      sent.push({ channel: s.conversation.channelId, message, kind: 'update', messageId: s.messageId });
    },
  };
  services.outbox.register(adapter);
  services.outbox.start();

  const conv = (channel: string): ConversationRef => ({ platform: 'playground', tenantId: 'local', channelId: channel, direct: channel.startsWith('dm-') });
  let seq = 0;
  const base = (user: string, channel: string, locale?: string) => ({
    id: `d${++seq}-${Math.random().toString(36).slice(2)}`,
    actor: { platform: 'playground' as const, id: user, displayName: user, locale },
    conversation: conv(channel),
    receivedAt: now(),
  });

  const h = {
    store,
    services,
    core,
    inbound,
    handle,
    config,
    log,
    sent,
    conv,
    advance(ms: number) {
      clock += ms;
    },
    now,
    async run(user: string, channel: string, line: string, locale?: string): Promise<Reply> {
      const m = /^\/?(\S+)\s*([\s\S]*)$/.exec(line)!;
      return (await handle({ ...base(user, channel, locale), kind: 'command', command: m[1]!, text: m[2] ?? '' }))!;
    },
    async click(user: string, channel: string, actionId: string, value?: string): Promise<Reply> {
      return (await handle({ ...base(user, channel), kind: 'action', actionId, value }))!;
    },
    async submit(user: string, channel: string, formId: string, values: Record<string, string>): Promise<Reply> {
      return (await handle({ ...base(user, channel), kind: 'submit', formId, values }))!;
    },
    async grant(user: string, role: Role) {
      await services.directory.setRole('playground:root', `playground:${user}`, role);
    },
    async drain() {
      await services.outbox.drain();
    },
    /** Messages pushed to a channel (posts and in-place updates), after the outbox drained. */
    async pushed(channel: string): Promise<Sent[]> {
      await services.outbox.drain();
      return sent.filter((s) => s.channel === channel);
    },
    async close() {
      await inbound.stop();
      await services.outbox.stop();
      await store.close();
    },
  };
  return h;
}
export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** A harness with the usual cast: customer alice in `support-acme` (org acme: systems crm, erp, billing; globex: hr), engineer bob, manager mia, admin root. */
export async function createStandardHarness(options: Parameters<typeof createHarness>[0] = {}) {
  const h = await createHarness(options);
  await h.run('root', 'support-acme', '/aftercare org acme systems:crm,erp,billing');
  await h.run('root', 'support-globex', '/aftercare org globex systems:hr');
  await h.run('root', 'engineering', '/aftercare subscribe tickets');
  await h.run('root', 'escalations', '/aftercare subscribe escalations');
  await h.run('root', 'support-acme', '/aftercare subscribe releases');
  await h.grant('bob', 'engineer');
  await h.grant('mia', 'manager');
  return h;
}
