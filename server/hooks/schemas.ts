import { z } from 'zod';
import { optionalHttpUrl } from '../../src/core/urls.js';

/** Wire formats the hooks accept (docs/hooks.md shows each). Unknown fields are kept, never rejected. */

const isoTime = z.iso.datetime({ offset: true });

/** The generic alert. */
export const genericAlertSchema = z.looseObject({
  system: z.string().min(1),
  title: z.string().min(1),
  severity: z.enum(['critical', 'warning', 'info']),
  status: z.enum(['firing', 'resolved']),
  dedupKey: z.string().min(1),
  description: z.string().optional(),
  url: optionalHttpUrl,
});

/** The generic backup job report. */
export const backupSchema = z.looseObject({
  system: z.string().min(1),
  type: z.enum(['full', 'incremental', 'differential']),
  status: z.enum(['success', 'failed']),
  startedAt: isoTime,
  finishedAt: isoTime,
  bytes: z.number().int().nonnegative().optional(),
  location: z.string().optional(),
  restoreTest: z.boolean().optional(),
});

/** Query of /hooks/backups/restic. */
export const resticQuerySchema = z.object({
  system: z.string().regex(/^[\w.-]{1,64}$/, 'expected ?system=<name>'),
  type: z.enum(['full', 'incremental', 'differential']).optional(),
  location: z.string().optional(),
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
