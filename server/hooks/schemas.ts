import { z } from 'zod';
import { optionalHttpUrl } from '../../src/core/urls.js';
import { parseSystemName, SYSTEM_NAME_MAX } from '../../src/core/systems.js';
import { knownSeverity } from '../../src/domain/alerts/sources.js';

/** Wire formats the hooks accept (docs/hooks.md shows each). Unknown fields are kept, never rejected. */

const isoTime = z.iso.datetime({ offset: true });

/** A system name by the one rule of src/core/systems.ts (any script, NFKC, trimmed; shown as first written). */
const systemName = z.string().transform((v, ctx) => {
  const name = parseSystemName(v);
  if (name === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a system name of 1–${SYSTEM_NAME_MAX} characters` });
    return z.NEVER;
  }
  return name;
});

/** The generic alert. */
export const genericAlertSchema = z.looseObject({
  system: systemName,
  title: z.string().min(1),
  // Chinese and other known severity words (严重, 警告, 信息…) are taken as their English names.
  severity: z.preprocess((v) => (typeof v === 'string' ? (knownSeverity(v) ?? v) : v), z.enum(['critical', 'warning', 'info'])),
  status: z.enum(['firing', 'resolved']),
  dedupKey: z.string().min(1),
  description: z.string().optional(),
  url: optionalHttpUrl,
});

/** The generic backup job report. */
export const backupSchema = z.looseObject({
  system: systemName,
  type: z.enum(['full', 'incremental', 'differential']),
  /** `incomplete`: a backup was written without some of its data. */
  status: z.enum(['success', 'failed', 'incomplete']),
  reason: z.string().optional(),
  startedAt: isoTime,
  finishedAt: isoTime,
  bytes: z.number().int().nonnegative().optional(),
  location: z.string().optional(),
  restoreTest: z.boolean().optional(),
});

/** Query of /hooks/backups/restic. */
export const resticQuerySchema = z.object({
  system: systemName,
  type: z.enum(['full', 'incremental', 'differential']).optional(),
  location: z.string().optional(),
  /** restic's exit status, as the documented pipe sends it (`&exit=$?`). */
  exit: z.coerce.number().int().min(0).max(255).optional(),
});

/** A release from CI. */
export const releaseSchema = z.looseObject({
  version: z.string().regex(/^[\w.+-]{1,64}$/, 'expected a version such as 1.4.2'),
  date: z.string().optional(),
  notes: z.string(),
  fixed: z.array(z.string().regex(/^sup-\d+$/i, 'expected ticket ids such as SUP-12')).optional(),
});

/** A test suite's result from CI (the JSON summary). */
export const testSuiteSchema = z.looseObject({
  version: z.string().regex(/^[\w.+-]{1,64}$/, 'expected a version such as 1.4.2'),
  system: z.string().optional(),
  suite: z.string().min(1).max(200),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative().optional(),
  url: optionalHttpUrl,
});

/** The query of a JUnit XML report: which release it tests, and optionally one suite name for the whole report. */
export const junitQuerySchema = z.object({
  version: z.string().regex(/^[\w.+-]{1,64}$/, 'expected ?version=<version>'),
  system: z.string().optional(),
  suite: z.string().min(1).max(200).optional(),
  url: optionalHttpUrl,
});

/** One line naming each problem, e.g. `alerts.0.fingerprint: Invalid input: expected string, received undefined`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
}
