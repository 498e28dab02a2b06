import { keys } from '../../core/keys.js';
import type { Write } from '../../core/store.js';
import { dayOf } from '../deps.js';

/**
 * Every digest figure kept on write, in one place. Services count into a `Tally` with these field
 * builders, and the digest reads them back with the same builders, so a renamed or misspelled
 * field fails the type check instead of silently reading zero.
 *
 * Two hashes: one per UTC day (`agg:day:<YYYY-MM-DD>`, what happened that day) and one of the open
 * backlog (`agg:open`, what is open now).
 */
type Severity = 'S1' | 'S2' | 'S3' | 'S4';
type Outcome = 'success' | 'failed';
type SurveyKind = 'csat' | 'nps' | 'custom';

/** Fields of the per-day hash. `${string}` parts are organisations, systems, causes, rules, histogram buckets. */
export type DayField =
  | 'opened'
  | `opened:sev:${Severity}`
  | `opened:org:${string}`
  | `opened:sys:${string}`
  | 'acked'
  | 'respond:total'
  | 'respond:met'
  | `mtta:b:${number}`
  | 'resolved'
  | `resolved:sev:${Severity}`
  | `resolved:sys:${string}`
  | `mttr:b:${number}`
  | 'sla:total'
  | 'sla:met'
  | `cause:${string}`
  | 'reopened'
  | 'escalated'
  | 'alerts:fired'
  | 'alerts:acked'
  | `alerts:rule:${string}`
  | `backup:${Outcome}`
  | `restore:${Outcome}`
  | 'releases'
  | `${SurveyKind}:sent`
  | `${SurveyKind}:n`
  | `${SurveyKind}:sum`
  | 'csat:satisfied'
  | 'nps:promoters'
  | 'nps:detractors'
  // Release validation, documents and training.
  | `uat:${'approved' | 'rejected'}`
  | 'docs:stale'
  | 'docs:reviewed'
  | 'training:held'
  | 'training:attendees'
  | 'training:rating:sum'
  | 'training:rating:n'
  /** Tickets resolved with cause `user-error`, per system (what training could prevent). */
  | `usererror:sys:${string}`
  | 'improve:opened'
  | 'improve:closed';

/** Fields of the open-backlog hash. */
export type OpenField = 'total' | `sev:${Severity}` | `org:${string}`;

/** Prefixes of the per-day fields that are families (one field per severity, organisation, bucket…). */
export const DAY_FAMILIES = {
  openedBySeverity: 'opened:sev:',
  openedByOrg: 'opened:org:',
  openedBySystem: 'opened:sys:',
  resolvedBySystem: 'resolved:sys:',
  mttaBuckets: 'mtta:b:',
  mttrBuckets: 'mttr:b:',
  causes: 'cause:',
  alertRules: 'alerts:rule:',
  userErrorsBySystem: 'usererror:sys:',
} as const satisfies Record<string, string>;

/** Prefixes of the open-backlog families. */
export const OPEN_FAMILIES = { bySeverity: 'sev:', byOrg: 'org:' } as const;

/** What one change adds to the two hashes. */
export interface Tally {
  day: Partial<Record<DayField, number>>;
  open: Partial<Record<OpenField, number>>;
}

export const emptyTally = (): Tally => ({ day: {}, open: {} });

/** Adds `by` (default 1) to a field. */
export function count<F extends string>(into: Partial<Record<F, number>>, field: NoInfer<F>, by = 1): void {
  into[field] = (into[field] ?? 0) + by;
}

/** The batch writes that add a tally made at `at` (epoch ms): one `hincr` per hash. */
export function tallyWrites(tally: Tally, at: number): Write[] {
  const out: Write[] = [];
  if (Object.keys(tally.day).length) out.push({ op: 'hincr', key: keys.aggDay(dayOf(at)), by: tally.day as Record<string, number> });
  if (Object.keys(tally.open).length) out.push({ op: 'hincr', key: keys.aggOpen(), by: tally.open as Record<string, number> });
  return out;
}

/** A period's per-day hashes summed: typed reads of single fields and families. */
export function dayTotals(sum: Record<string, number>) {
  return {
    get: (field: DayField): number => sum[field] ?? 0,
    /** The non-zero members of a family, keyed by what follows its prefix. */
    family: (prefix: (typeof DAY_FAMILIES)[keyof typeof DAY_FAMILIES]): Record<string, number> =>
      Object.fromEntries(Object.entries(sum).filter(([k, v]) => k.startsWith(prefix) && v !== 0).map(([k, v]) => [k.slice(prefix.length), v])),
  };
}

/**
 * Fields of the per-week hash (`agg:week:<Monday>`): tickets by root cause, and by cause × system,
 * counted in the week the ticket was opened once its resolution names the cause. An improvement
 * action's effect compares eight of these hashes, whatever the history holds.
 */
export type WeekField = `cause:${string}` | `cause:${string}:sys:${string}`;

const WEEK_MS = 7 * 86_400_000;

/** The Monday (UTC, `YYYY-MM-DD`) of the week holding `epochMs`. */
export function mondayOf(epochMs: number): string {
  const day = new Date(epochMs);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return dayOf(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() - sinceMonday));
}

/** The Monday `n` weeks after (negative: before) the week of `monday`. */
export function weeksFrom(monday: string, n: number): string {
  return dayOf(Date.parse(`${monday}T00:00:00Z`) + n * WEEK_MS);
}

/** The field names of a cause (and of cause × system when the ticket names a system). */
export function causeFields(cause: string, system?: string): WeekField[] {
  return system ? [`cause:${cause}`, `cause:${cause}:sys:${system}`] : [`cause:${cause}`];
}

/**
 * The write that counts (`by` 1) or uncounts (`by` -1, a reopened ticket) a ticket with root cause
 * `cause` in the week it was opened (`openedAt`, epoch ms).
 */
export function causeWeekWrites(openedAt: number, cause: string, system: string | undefined, by: 1 | -1): Write[] {
  return [{ op: 'hincr', key: keys.aggWeek(mondayOf(openedAt)), by: Object.fromEntries(causeFields(cause, system).map((f) => [f, by])) }];
}
