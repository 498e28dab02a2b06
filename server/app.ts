import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { commands } from '../commands/index.js';
import { createPlaygroundModule } from '../adapters/playground/index.js';
import type { AppConfig } from '../src/config.js';
import { createCore, type Core } from '../src/core/dispatcher.js';
import { createLogger, registerSecrets, type Logger } from '../src/core/log.js';
import { createInboundPipeline, type InboundPipeline } from '../src/core/inbound.js';
import type { PlatformContext, PlatformModule } from '../src/core/ports.js';
import type { Role } from '../src/core/registry.js';
import type { StateStore } from '../src/core/store.js';
import type { ConversationRef, OutboundMessage } from '../src/core/types.js';
import { mountExports } from './exports.js';
import { mountHooks } from './hooks/index.js';
import { createMetrics, type Metrics } from './metrics.js';
import { platformFactories } from './platforms.js';
import { createOutbox, type Outbox } from '../src/delivery/outbox.js';
import { createServices, type Services } from '../src/domain/index.js';
import { startSchedules } from './schedules/index.js';
import { openStore } from '../src/state/store.js';
import { keys } from '../src/core/keys.js';
import { chartImages } from '../src/domain/digest/chart-store.js';

export interface RunningApp {
  url: string;
  port: number;
  core: Core;
  /** The one inbound path (durable inbox → queue → core). */
  inbound: InboundPipeline;
  store: StateStore;
  outbox: Outbox;
  services: Services;
  metrics: Metrics;
  log: Logger;
  /** Runs due timers now (tests; production polls every AFTERCARE_TIMER_POLL_MS). */
  pollTimers(): Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  now?: () => number;
  /** An already opened store to use instead of opening `config.store` (benches count its operations). */
  store?: StateStore;
  /** Extra routes mounted before the platforms (hooks live in src/hooks when present). */
  extraModules?: Array<(app: express.Express, running: Omit<RunningApp, 'url' | 'port' | 'stop'>) => void>;
}

/** The composition root: store → services → core → adapters → one HTTP server. */
export async function startApp(config: AppConfig, options: StartOptions = {}): Promise<RunningApp> {
  const log = options.log ?? createLogger({ level: config.logLevel });
  const now = options.now ?? Date.now;
  registerSecrets(config.hookToken, config.slack?.botToken, config.slack?.signingSecret, config.slack?.appToken, config.teams?.appPassword, config.feishu?.appSecret, config.feishu?.encryptKey, config.feishu?.verificationToken);
  const metrics = createMetrics();
  const metric = (name: string, labels?: Record<string, string>, by?: number) => metrics.inc(name, labels, by);
  const store = options.store ?? (await openStore(config.store));
  const outbox = createOutbox({ store, log, now, metric });
  const services = createServices({ store, config, log, now, outbox, metric });
  const deliverLater = async (conversation: ConversationRef, messages: OutboundMessage[]) => {
    for (const m of messages) await outbox.post(conversation, m);
  };
  const core = createCore({
    store,
    commands,
    services,
    log,
    now,
    metric,
    identify: (actor, conversation) => services.directory.identify(actor, conversation),
    observe: (name, labels, seconds) => metrics.observe(name, labels, seconds),
  });
  const inbound = createInboundPipeline({ core, store, log, now, metric, deliverLater });
  metrics.gauge('aftercare_outbox_pending', () => outbox.pending());
  metrics.gaugeBy('aftercare_outbox_backlog', 'platform', () => outbox.backlog());
  metrics.gaugeBy('aftercare_outbox_dead_letters', 'platform', () => outbox.deadLetters());
  metrics.gaugeBy('aftercare_alerts_open', 'state', () => services.alerts.openByState());

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ready', store: store.kind });
    } catch (e) {
      log.warn('readiness check failed', { error: e });
      res.status(503).json({ status: 'unavailable', store: store.kind, error: 'store unreachable' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    const { text, contentType } = await metrics.render();
    res.type(contentType).send(text);
  });

  mountExports(app, services, log);

  const partial = { core, inbound, store, outbox, services, metrics, log, pollTimers: () => services.timers.poll(services.onTimer) };
  // [hooks] HTTP hooks are mounted here.
  mountHooks(app, partial, config);
  for (const extra of options.extraModules ?? []) extra(app, partial);

  const ctx: PlatformContext = { core, inbound, log, publicUrl: config.publicUrl, defaultLocale: config.locale, metric, deliverLater, images: chartImages(store) };
  const modules: PlatformModule[] = [];
  for (const factory of platformFactories) {
    const mod = await factory(config, ctx);
    if (mod) modules.push(mod);
  }
  if (config.playground !== 'off') {
    if (config.playground === 'local') app.use(loopbackOnly);
    modules.push(
      createPlaygroundModule({
        inbound,
        store,
        now,
        async setIdentity(user, role, lang) {
          if ((await services.directory.role(user)) !== role) await services.directory.setRole('playground', user, role as Role);
          if ((await services.directory.userLocale(user)) !== lang) await services.directory.setLocale('playground', { user }, lang);
        },
      }),
    );
    await seedPlayground(services, log);
  }
  for (const mod of modules) {
    mod.mount(app);
    outbox.register(mod.adapter);
  }

  app.use((_req: express.Request, res: express.Response) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      res.status(status).json({ error: (err as Error).message });
      return;
    }
    const correlationId = randomUUID().slice(0, 8);
    log.error('request failed', { correlationId, error: err });
    res.status(500).json({ error: 'internal error', correlationId });
  });

  // Announce this replica (its heartbeat) before taking deliveries, so no other replica mistakes
  // them for a dead one's; deliveries a previous process left are picked up here too.
  await inbound.resume();
  const server: Server = await new Promise((resolve, reject) => {
    const s = createServer(app);
    s.once('error', reject);
    s.listen(config.port, config.host, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://127.0.0.1:${port}`;

  outbox.start();
  for (const mod of modules) await mod.start?.();
  // One poll for stored due times (SLA timers) and inbox events nobody is processing (a crash's).
  const poll = () => {
    services.timers.poll(services.onTimer).catch((e: unknown) => log.error('timer poll failed', { error: e }));
    inbound.resume().catch((e: unknown) => log.error('inbox resume failed', { error: e }));
  };
  poll();
  const timerLoop = setInterval(poll, config.timerPollMs);
  timerLoop.unref();
  // [schedules] cron schedules start here.
  const stopSchedules = startSchedules(partial, config);
  log.info('aftercare listening', { url: `http://${config.host}:${port}`, store: store.kind, platforms: modules.map((m) => m.adapter.platform) });
  if (config.playground !== 'off') {
    log.info('playground served', { url: `http://localhost:${port}/`, to: config.playground === 'public' ? 'anyone who can reach this port (AFTERCARE_PLAYGROUND=public)' : 'this machine only (loopback clients)' });
  }

  return {
    ...partial,
    url,
    port,
    async stop() {
      clearInterval(timerLoop);
      await stopSchedules();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await inbound.stop(5_000);
      await outbox.stop();
      for (const mod of modules) await mod.stop?.();
      for (const mod of modules) await mod.adapter.close?.();
      await store.close();
    },
  };
}

/**
 * The playground is an admin console for whoever uses it (any role, any user): served only to
 * clients on this machine unless AFTERCARE_PLAYGROUND=public. A request that came through a proxy
 * (it names the original client in X-Forwarded-For or Forwarded) is not local, whatever the socket says.
 */
function loopbackOnly(req: express.Request, res: express.Response, next: express.NextFunction): void {
  if (req.path !== '/' && !req.path.startsWith('/playground/')) return next();
  const address = req.socket.remoteAddress ?? '';
  const loopback = address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
  if (loopback && !req.headers['x-forwarded-for'] && !req.headers.forwarded) return next();
  res.status(403).json({ error: 'the playground is served to this machine only; set AFTERCARE_PLAYGROUND=public to serve it to others' });
}

/** Playground channels: a customer channel for `acme`, an engineers' channel, an escalation and a management channel. */
async function seedPlayground(services: Services, log: Logger): Promise<void> {
  const { store } = services.deps;
  if (!(await store.claim(keys.playgroundSeeded(), 100 * 365 * 24 * 3600_000))) return;
  const ref = (channelId: string): ConversationRef => ({ platform: 'playground', tenantId: 'local', channelId });
  const d = services.directory;
  await d.bindOrg('playground', ref('support-acme'), 'acme');
  await d.setOrgSystems('playground', 'acme', ['crm']);
  for (const topic of ['tickets', 'alerts', 'backups'] as const) await d.subscribe('playground', { topic, conversation: ref('engineering') });
  await d.subscribe('playground', { topic: 'escalations', conversation: ref('escalations') });
  for (const topic of ['digest', 'surveys'] as const) await d.subscribe('playground', { topic, conversation: ref('management') });
  await d.subscribe('playground', { topic: 'releases', conversation: ref('support-acme') });
  log.info('playground channels seeded');
}
