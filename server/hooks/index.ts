import { createHash, randomUUID } from 'node:crypto';
import express from 'express';
import type { z } from 'zod';
import { publishRelease } from '../../src/domain/releases/publish.js';
import type { RunningApp } from '../app.js';
import { loadChart } from '../../src/domain/digest/chart-store.js';
import type { AppConfig } from '../../src/config.js';
import { currentCorrelation, withCorrelation } from '../../src/core/correlation.js';
import { AppError } from '../../src/core/errors.js';
import { keys } from '../../src/core/keys.js';
import { forDelivery } from '../../src/core/effects.js';
import { parseSystemName, systemKey } from '../../src/core/systems.js';
import type { AlertInput } from '../../src/domain/alerts/service.js';
import { finishTimeProblem, type BackupReport } from '../../src/domain/backups/service.js';
import { pushBackupProblem } from '../../src/domain/backups/check.js';
import { fromAlertmanager, fromGeneric, fromNagios, fromZabbix } from '../../src/domain/alerts/sources.js';
import { requireHookToken } from './auth.js';
import { parseResticOutput } from '../../src/domain/backups/restic.js';
import { alertmanagerSchema, nagiosSchema, zabbixSchema } from '../../src/domain/alerts/formats.js';
import { backupSchema, describeIssues, genericAlertSchema, junitQuerySchema, releaseSchema, resticQuerySchema, testSuiteSchema } from './schemas.js';
import { parseJUnit, type SuiteReport } from '../../src/domain/releases/junit.js';
import { describeGate, GatesNotPassedError } from '../../src/domain/releases/validation.js';

type Running = Pick<RunningApp, 'services' | 'store' | 'log'> & Partial<Pick<RunningApp, 'metrics'>>;

/** A refused hook call: its status (400 bad body, 409 in progress, 415 wrong type, 422 key reused) and what is wrong. */
class HookError extends Error {
  constructor(
    readonly status: 400 | 409 | 415 | 422,
    message: string,
  ) {
    super(message);
  }
}
/** 400 with what is wrong; thrown inside handlers, answered by the hooks' error handler. */
class BadPayload extends HookError {
  constructor(message: string) {
    super(400, message);
  }
}

const BODY_LIMIT = '20mb';
/** Redeliveries with an explicit id are recognised for a week; identical bodies without one for 10 minutes. */
const IDEM_TTL_MS = 7 * 24 * 3600_000;
const BODY_TTL_MS = 10 * 60_000;
/**
 * How long a delivery being processed holds its id: longer than any store step takes, short enough
 * that the sender's retry after a crash mid-work is processed (its effects are keyed by the delivery,
 * so the re-run finds what the first run wrote).
 */
const LEASE_MS = 60_000;
/** How long a retry that arrives while the first copy is being stored waits for it before 409. */
const WAIT_MS = 5_000;

/** What a hook reads: JSON only, or JSON and HTML-form fields (the Nagios command posts a form). */
type Accepts = 'json' | 'json-or-form';

/**
 * The body as JSON (or form fields where the hook takes them). JSON sent with a form content type is
 * read as JSON when it is unambiguous (the body is a JSON object); a form sent to a JSON-only hook,
 * or a body in neither format under another content type, is 415 naming the expected type.
 */
function parseBody(req: express.Request, accepts: Accepts = 'json'): unknown {
  // A byte-order mark (Windows tools add one) is not part of the JSON.
  const raw = (Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '').replace(/^\uFEFF/, '');
  if (!raw.trim()) throw new BadPayload('empty body');
  const type = (req.get('content-type') ?? '').toLowerCase();
  const expected = accepts === 'json' ? 'application/json' : 'application/json or application/x-www-form-urlencoded';
  const looksJson = /^\s*[{[]/.test(raw);
  if (type.includes('application/x-www-form-urlencoded') && !looksJson) {
    if (accepts === 'json-or-form') return Object.fromEntries(new URLSearchParams(raw));
    throw new HookError(415, `Content-Type ${type}: this hook takes a JSON body (Content-Type: application/json)`);
  }
  if (type && !type.includes('json') && !type.includes('form-urlencoded') && !looksJson) {
    if (accepts === 'json-or-form' && /^[\w.%+-]+=/.test(raw)) return Object.fromEntries(new URLSearchParams(raw));
    throw new HookError(415, `Content-Type ${type.split(';')[0]}: expected ${expected}`);
  }
  // A form body under a JSON content type, for a hook that takes forms: what it is, is unambiguous.
  if (accepts === 'json-or-form' && !looksJson && /^[\w.%+-]+=/.test(raw)) return Object.fromEntries(new URLSearchParams(raw));
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

  /** The delivery id a request names (`Idempotency-Key`, else `X-Delivery-Id`). */
  const deliveryHeader = (req: express.Request) => req.get('idempotency-key') ?? req.get('x-delivery-id');
  const bodyHash = (req: express.Request) => createHash('sha256').update(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)).digest('hex');

  /** A finished delivery: the hash of what it carried, so a reuse of its id with other content is recognised. */
  interface Delivered {
    hash: string;
  }

  /**
   * Runs `work` once per delivery and answers 2xx only after it stored its data.
   * - `id` names the delivery (from its `Idempotency-Key` / `X-Delivery-Id`, or what the body is);
   *   `hash` what it carries. The same id with the same content is a duplicate; with other content
   *   it is 422 (the id was reused for something else, which would otherwise be lost).
   * - A copy that arrives while the first is still being processed waits for it (up to WAIT_MS),
   *   then is answered as a duplicate, or 409 if the first is still not done.
   * - The id is held by a short lease while the work runs and released if the work fails, so a
   *   failure or a crash never leaves it claimed: the sender's retry is processed. The work runs as
   *   the delivery (src/core/effects.ts), so a re-run after a crash finds what the first run wrote.
   */
  async function once<T>(hook: string, id: string, hash: string, ttlMs: number, work: () => Promise<T>): Promise<T | 'duplicate'> {
    const doneKey = keys.hookDone(hook, id);
    const settled = (done: Delivered): 'duplicate' => {
      if (done.hash !== hash) throw new HookError(422, `delivery id "${id.replace(/^id:/, '')}" was already used for a different body: send each change with its own Idempotency-Key`);
      return 'duplicate';
    };
    const lease = keys.hookDelivery(hook, id);
    const owner = randomUUID();
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const done = await store.get<Delivered>(doneKey);
      if (done) return settled(done);
      if (await store.claim(lease, LEASE_MS, owner)) break;
      if (Date.now() > deadline) throw new HookError(409, `delivery "${id.replace(/^id:/, '')}" is still being processed: retry later`);
      await new Promise((r) => setTimeout(r, 50));
    }
    try {
      // The first copy may have finished between our read and our claim.
      const done = await store.get<Delivered>(doneKey);
      if (done) return settled(done);
      const out = await forDelivery(`hook:${hook}:${id}`, work);
      await store.batch([
        { op: 'set', key: doneKey, value: { hash } satisfies Delivered, ttlMs },
        { op: 'release', key: lease, owner },
      ]);
      return out;
    } catch (e) {
      await store.release(lease, owner).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Once per delivery for a request: by its header id when it has one, else (hooks whose work is not
   * idempotent by itself) by what the body is, for a short while. Alert hooks pass `byBody: false`:
   * an alert report is the source's state now, and the same text sent again after a recovery is a
   * new firing, never a repeat to hash away.
   */
  function onceFor<T>(hook: string, req: express.Request, work: () => Promise<T>, options: { byBody: boolean; key?: string } = { byBody: true }) {
    const header = deliveryHeader(req);
    if (header) return once(hook, `id:${header}`, bodyHash(req), IDEM_TTL_MS, work);
    if (options.key) return once(hook, options.key, options.key, IDEM_TTL_MS, work);
    if (!options.byBody) return work();
    const hash = createHash('sha256').update(req.originalUrl).update(bodyHash(req)).digest('hex');
    return once(hook, `body:${hash}`, hash, BODY_TTL_MS, work);
  }

  type IngestResult = { received: number; created: string[]; updated: string[]; ignored: number };

  /** Each input's report, in order: what it created, updated, or changed nothing (a report about no open alert). */
  async function ingest(hook: string, inputs: AlertInput[]): Promise<IngestResult> {
    const result: IngestResult = { received: inputs.length, created: [], updated: [], ignored: 0 };
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

  const alertHook = (hook: string, accepts: Accepts, handle: (body: unknown, req: express.Request) => () => Promise<IngestResult>) =>
    router.post(`/${hook}`, async (req, res) => {
      const work = handle(parseBody(req, accepts), req);
      const out = await onceFor(hook, req, work, { byBody: false });
      res.status(200).json(out === 'duplicate' ? { duplicate: true } : out);
    });

  alertHook('alertmanager', 'json', (b, req) => {
    const { inputs, view } = fromAlertmanager(validate(alertmanagerSchema, b), typeof req.query.system === 'string' ? req.query.system : undefined);
    return async () => {
      const out = await services.alerts.ingestGroup(inputs, view, 'system:alertmanager');
      return { received: inputs.length, created: out?.created ? [out.alert.id] : [], updated: out && !out.created ? [out.alert.id] : [], ignored: out ? 0 : inputs.length };
    };
  });
  alertHook('zabbix', 'json', (b) => {
    const inputs = fromZabbix(validate(zabbixSchema, b));
    return () => ingest('zabbix', inputs);
  });
  alertHook('nagios', 'json-or-form', (b) => {
    const inputs = fromNagios(validate(nagiosSchema, b));
    return () => ingest('nagios', inputs);
  });
  alertHook('alerts', 'json', (b) => {
    const inputs = fromGeneric(validate(genericAlertSchema, b));
    return () => ingest('alerts', inputs);
  });

  async function storeBackup(report: BackupReport) {
    const { health, duplicate } = await services.backups.report('system:backups-hook', report);
    if (!duplicate && report.status !== 'success' && !report.restoreTest) await pushBackupProblem(services, health);
    return { system: health.system, state: health.state, duplicate };
  }

  /** The finish time must be the run's own and not in the future. */
  function checkTimes(report: Pick<BackupReport, 'startedAt' | 'finishedAt'>) {
    const future = finishTimeProblem(report.finishedAt, services.deps.now());
    if (future) throw new BadPayload(`finishedAt: ${future}`);
    if (Date.parse(report.finishedAt) < Date.parse(report.startedAt)) throw new BadPayload('finishedAt: must not be before startedAt');
  }

  router.post('/backups', async (req, res) => {
    const report = validate(backupSchema, parseBody(req)) as BackupReport;
    checkTimes(report);
    const out = await onceFor('backups', req, () => storeBackup(report));
    res.status(200).json(out === 'duplicate' ? { duplicate: true } : out);
  });

  /**
   * `restic backup --json` output: stdout alone or merged with stderr (2>&1), any content type;
   * `?exit=<code>` carries restic's exit status (docs/hooks.md shows the pipe that sends it).
   * An empty body is a run that printed nothing: failed.
   */
  router.post('/backups/restic', async (req, res) => {
    const query = validate(resticQuerySchema, req.query);
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const parsed = parseResticOutput(raw, services.deps.now(), query.exit);
    if ('error' in parsed) throw new BadPayload(parsed.error);
    const report: BackupReport = {
      system: query.system,
      type: query.type ?? parsed.type,
      status: parsed.status,
      startedAt: parsed.startedAt,
      finishedAt: parsed.finishedAt,
      bytes: parsed.bytes,
      location: query.location ?? (parsed.snapshotId ? `restic snapshot ${parsed.snapshotId}` : undefined),
      ...(parsed.reason ? { reason: parsed.reason } : {}),
      ...(parsed.unchanged ? { unchanged: true } : {}),
      ...parsed.extra,
    };
    checkTimes(report);
    const key = parsed.snapshotId ? `snapshot:${systemKey(query.system)}:${parsed.snapshotId}` : undefined;
    const out = await onceFor('restic', req, () => storeBackup(report), { byBody: true, key });
    res.status(200).json(out === 'duplicate' ? { duplicate: true } : { ...out, status: parsed.status, snapshotId: parsed.snapshotId, bytes: parsed.bytes, ...(parsed.reason ? { reason: parsed.reason } : {}) });
  });

  router.post('/releases', async (req, res) => {
    const body = validate(releaseSchema, parseBody(req));
    const system = typeof body.system === 'string' ? parseSystemName(body.system) : undefined;
    try {
      const out = await onceFor('releases', req, async () => {
        const release = await publishRelease(services, 'system:releases-hook', {
          version: body.version,
          date: body.date,
          notes: body.notes,
          system,
          fixed: (body.fixed ?? []).map((id) => id.toUpperCase()),
        });
        return { version: release.version, fixed: release.fixed };
      });
      res.status(200).json(out === 'duplicate' ? { duplicate: true } : out);
    } catch (e) {
      // A planned release whose gates have not passed: nothing was published; CI may retry later.
      if (!(e instanceof GatesNotPassedError)) throw e;
      res.status(409).json({ error: e.message, missing: e.missing.map(describeGate) });
    }
  });

  /**
   * CI's test results for a planned release: a JUnit XML report (`?version=` names the release,
   * `&suite=` optionally one name for the whole report), or the JSON summary of one suite. The
   * latest run of a suite replaces the earlier one.
   */
  router.post('/releases/tests', async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const type = (req.get('content-type') ?? '').toLowerCase();
    let version: string;
    let reports: SuiteReport[];
    if (type.includes('xml') || raw.trimStart().startsWith('<')) {
      const query = validate(junitQuerySchema, req.query);
      const parsed = parseJUnit(raw, query.suite);
      if ('error' in parsed) throw new BadPayload(parsed.error);
      if (!parsed.length) throw new BadPayload('the report has no test suite');
      version = query.version;
      reports = parsed.map((r) => ({ ...r, url: query.url || undefined }));
    } else {
      const body = validate(testSuiteSchema, parseBody(req));
      version = body.version;
      reports = [{ suite: body.suite, passed: body.passed, failed: body.failed, skipped: body.skipped ?? 0, failures: [], url: body.url || undefined }];
    }
    const planned = await services.validation.find(version);
    if (!planned) {
      res.status(404).json({ error: `version ${version} is not planned; plan it with /release plan ${version} system:<name>` });
      return;
    }
    const out = await onceFor('release-tests', req, async () => {
      const cand = await services.validation.reportTests('system:ci', version, reports);
      return { version, suites: reports.map((r) => ({ suite: r.suite, passed: r.passed, failed: r.failed, skipped: r.skipped })), status: cand.status };
    });
    res.status(200).json(out === 'duplicate' ? { duplicate: true } : out);
  });

  router.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (err instanceof HookError) {
      res.status(err.status).json({ error: err.message });
      return;
    }
    if (err instanceof AppError && (err.code === 'conflict' || err.code === 'not_found')) {
      res.status(err.code === 'conflict' ? 409 : 404).json({ error: err.message });
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
