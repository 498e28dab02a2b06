import { createHash } from 'node:crypto';
import express from 'express';
import type { z } from 'zod';
import { publishRelease } from '../../src/domain/releases/publish.js';
import type { RunningApp } from '../app.js';
import { loadChart } from '../../src/domain/digest/chart-store.js';
import type { AppConfig } from '../../src/config.js';
import { currentCorrelation, withCorrelation } from '../../src/core/correlation.js';
import { AppError } from '../../src/core/errors.js';
import { keys } from '../../src/core/keys.js';
import type { AlertInput } from '../../src/domain/alerts/service.js';
import type { BackupReport } from '../../src/domain/backups/service.js';
import { pushBackupProblem } from '../../src/domain/backups/check.js';
import { fromAlertmanager, fromGeneric, fromNagios, fromZabbix } from '../../src/domain/alerts/sources.js';
import { requireHookToken } from './auth.js';
import { parseResticOutput } from '../../src/domain/backups/restic.js';
import { alertmanagerSchema, nagiosSchema, zabbixSchema } from '../../src/domain/alerts/formats.js';
import { backupSchema, describeIssues, genericAlertSchema, releaseSchema, resticQuerySchema } from './schemas.js';

type Running = Pick<RunningApp, 'services' | 'store' | 'log'> & Partial<Pick<RunningApp, 'metrics'>>;

/** 400 with what is wrong; thrown inside handlers, answered by the hooks' error handler. */
class BadPayload extends Error {}

const BODY_LIMIT = '20mb';
/** Redeliveries with an explicit id are recognised for a week; identical bodies without one for 10 minutes. */
const IDEM_TTL_MS = 7 * 24 * 3600_000;
const BODY_TTL_MS = 10 * 60_000;

function parseBody(req: express.Request): unknown {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  if (!raw.trim()) throw new BadPayload('empty body');
  const type = (req.get('content-type') ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  if (nestingOf(raw) > MAX_DEPTH) throw new BadPayload(`body is nested deeper than ${MAX_DEPTH} levels`);
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new BadPayload('body is not valid JSON');
  }
}

/** How deep a JSON body may nest: far deeper than any monitoring tool's payload, far shallower than a stack. */
const MAX_DEPTH = 32;

/**
 * The deepest nesting of objects and arrays in a JSON text, read without parsing it (a body nested
 * thousands deep would otherwise reach code that recurses, and answer 500 instead of 400).
 */
function nestingOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return deepest;
}

function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadPayload(describeIssues(parsed.error));
  return parsed.data;
}

/**
 * Mounts the HTTP hooks under /hooks (bearer token, zod-validated bodies, 2xx only
 * after the data is stored, redeliveries stored once) and GET /charts/<id>.png for digest charts.
 */
export function mountHooks(app: express.Express, running: Running, config: Pick<AppConfig, 'hookToken'>): void {
  const { services, store, log } = running;
  const router = express.Router();
  // One line and one count per hook call, whatever its outcome (a refused token included).
  // The call is a unit of work: its lines and the pushes it queues carry its delivery id (the
  // sender's Idempotency-Key or X-Delivery-Id) and a correlation id.
  router.use((req, res, next) => {
    const started = performance.now();
    const deliveryId = req.get('idempotency-key') ?? req.get('x-delivery-id');
    withCorrelation(deliveryId, () => {
      const callLog = log.child({ ...currentCorrelation() });
      res.once('finish', () => {
        const hook = req.path.replace(/^\//, '') || 'unknown';
        running.metrics?.inc('aftercare_hook_requests_total', { hook, status: String(res.statusCode) });
        callLog.info('hook call', { hook, status: res.statusCode, ms: Math.round(performance.now() - started) });
      });
      next();
    });
  });
  router.use(requireHookToken(config.hookToken));
  router.use(express.raw({ type: () => true, limit: BODY_LIMIT }));

  /**
   * Runs `work` once per delivery: an `Idempotency-Key` (or `X-Delivery-Id`) header names it, else
   * the body's hash does. The claim is dropped when the work fails, so the sender's retry is processed.
   */
  async function once<T>(hook: string, req: express.Request, work: () => Promise<T>, key?: string): Promise<T | 'duplicate'> {
    const header = req.get('idempotency-key') ?? req.get('x-delivery-id');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const id = key ?? (header ? `id:${header}` : `body:${createHash('sha256').update(req.originalUrl).update(raw).digest('hex')}`);
    const claim = keys.hookDelivery(hook, id);
    if (!(await store.claim(claim, key || header ? IDEM_TTL_MS : BODY_TTL_MS))) return 'duplicate';
    try {
      // Every store call has committed when it resolves: the 2xx follows durable data.
      return await work();
    } catch (e) {
      await store.release(claim).catch(() => undefined);
      throw e;
    }
  }

  async function ingest(hook: string, inputs: AlertInput[]) {
    const result = { received: inputs.length, created: [] as string[], updated: [] as string[], ignored: 0 };
    for (const input of inputs) {
      try {
        const { alert, created } = await services.alerts.ingest(input, `system:${hook}`);
        (created ? result.created : result.updated).push(alert.id);
      } catch (e) {
        // A resolution for an alert that is not open (never seen, or already resolved) changes nothing.
        if (e instanceof AppError && e.code === 'not_found') result.ignored++;
        else throw e;
      }
    }
    return { ...result, created: [...new Set(result.created)], updated: [...new Set(result.updated)] };
  }

  const alertHook = (hook: string, toInputs: (body: unknown, req: express.Request) => AlertInput[]) =>
    router.post(`/${hook}`, async (req, res) => {
      const inputs = toInputs(parseBody(req), req);
      const out = await once(hook, req, () => ingest(hook, inputs));
      res.status(200).json(out === 'duplicate' ? { duplicate: true } : out);
    });

  alertHook('alertmanager', (b, req) => fromAlertmanager(validate(alertmanagerSchema, b), typeof req.query.system === 'string' ? req.query.system : undefined));
  alertHook('zabbix', (b) => fromZabbix(validate(zabbixSchema, b)));
  alertHook('nagios', (b) => fromNagios(validate(nagiosSchema, b)));
  alertHook('alerts', (b) => fromGeneric(validate(genericAlertSchema, b)));

  async function storeBackup(report: BackupReport) {
    const { health, duplicate } = await services.backups.report('system:backups-hook', report);
    if (!duplicate && report.status === 'failed' && !report.restoreTest) await pushBackupProblem(services, health);
    return { system: health.system, state: health.state, duplicate };
  }

  router.post('/backups', async (req, res) => {
    const report = validate(backupSchema, parseBody(req)) as BackupReport;
    if (Date.parse(report.finishedAt) < Date.parse(report.startedAt)) throw new BadPayload('finishedAt: must not be before startedAt');
    const out = await once('backups', req, () => storeBackup(report));
    res.status(200).json(out === 'duplicate' ? { duplicate: true } : out);
  });

  router.post('/backups/restic', async (req, res) => {
    const query = validate(resticQuerySchema, req.query);
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const parsed = parseResticOutput(raw, services.deps.now());
    if ('error' in parsed) throw new BadPayload(parsed.error);
    const report: BackupReport = {
      system: query.system,
      type: query.type ?? parsed.type,
      status: parsed.status,
      startedAt: parsed.startedAt,
      finishedAt: parsed.finishedAt,
      bytes: parsed.bytes,
      location: query.location ?? (parsed.snapshotId ? `restic snapshot ${parsed.snapshotId}` : undefined),
      ...parsed.extra,
    };
    const out = await once('restic', req, () => storeBackup(report), parsed.snapshotId ? `snapshot:${query.system}:${parsed.snapshotId}` : undefined);
    res.status(200).json(out === 'duplicate' ? { duplicate: true } : { ...out, snapshotId: parsed.snapshotId, bytes: parsed.bytes });
  });

  router.post('/releases', async (req, res) => {
    const body = validate(releaseSchema, parseBody(req));
    const out = await once('releases', req, async () => {
      const release = await publishRelease(services, 'system:releases-hook', {
        version: body.version,
        date: body.date,
        notes: body.notes,
        fixed: (body.fixed ?? []).map((id) => id.toUpperCase()),
      });
      return { version: release.version, fixed: release.fixed };
    });
    res.status(200).json(out === 'duplicate' ? { duplicate: true } : out);
  });

  router.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (err instanceof BadPayload) {
      res.status(400).json({ error: err.message });
      return;
    }
    const status = (err as { status?: number }).status;
    if (status === 413) {
      res.status(413).json({ error: `body larger than ${BODY_LIMIT}` });
      return;
    }
    log.error('hook failed', { error: err });
    next(err);
  });

  app.use('/hooks', router);
  app.get('/charts/:file', async (req, res) => {
    const m = /^([a-f0-9]{32})\.png$/.exec(req.params.file);
    const png = m ? await loadChart(store, m[1]!) : undefined;
    if (!png) {
      res.status(404).json({ error: 'no such chart' });
      return;
    }
    res.type('image/png').set('Cache-Control', 'public, max-age=86400, immutable').send(png);
  });
}
