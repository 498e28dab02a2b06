import { keys } from '../../core/keys.js';
import { DAY_FAMILIES, dayTotals, OPEN_FAMILIES, type DayField, type OpenField } from './figures.js';
import type { Releases, Release } from '../releases/service.js';
import type { ActionEffect, Improvements } from '../improvements/service.js';
import { bucketValueMs, dayOf, percentileFromHistogram, type ServiceDeps } from '../deps.js';

export type DigestPeriod = 'week' | 'month';

export interface PeriodFigures {
  from: number;
  to: number;
  opened: number;
  resolved: number;
  openedBySeverity: Record<string, number>;
  openedByOrg: Record<string, number>;
  mttaP50?: number;
  mttaP90?: number;
  mttrP50?: number;
  mttrP90?: number;
  /** Share of resolved tickets resolved within their SLA target. */
  slaMet?: number;
  respondMet?: number;
  topSystems: Array<[string, number]>;
  topCauses: Array<[string, number]>;
  alertsFired: number;
  alertsAcked: number;
  noisiestRules: Array<[string, number]>;
  csatAverage?: number;
  csatResponses: number;
  csatSent: number;
  npsScore?: number;
  npsResponses: number;
  npsSent: number;
  backupsOk: number;
  backupsFailed: number;
  restoreOk: number;
  restoreFailed: number;
  escalated: number;
  releases: Release[];
  trainingsHeld: number;
  trainingAttendees: number;
  trainingRating?: number;
  /** The system whose user-error tickets recur (at least USER_ERROR_RECUR this period), with their count: a training topic. */
  trainingSuggestion?: { system: string; count: number };
  docsStale: number;
  docsReviewed: number;
  uatApproved: number;
  uatRejected: number;
  improvementsOpened: number;
  improvementsClosed: number;
}

/** User-error tickets of one system in a period from which the digest suggests a training on it. */
export const USER_ERROR_RECUR = 3;

export interface Digest {
  period: DigestPeriod;
  current: PeriodFigures;
  previous: PeriodFigures;
  backlog: { total: number; bySeverity: Record<string, number>; byOrg: Record<string, number> };
  changes: Array<{ metric: string; from: number; to: number }>;
  /** Improvement actions: opened and closed in the period, overdue now, and the effect of those closed lately. */
  improvements?: { opened: number; closed: number; overdue: number; effects: ActionEffect[] };
}

const DAY = 86_400_000;

/**
 * The improvement digest, computed from per-day aggregates kept on write: its cost grows with the
 * number of days in the period, never with the number of tickets ever filed.
 */
export function createDigest(deps: ServiceDeps, releases: Releases, improvements?: Pick<Improvements, 'overdueCount' | 'effects'>) {
  const { store, now } = deps;

  async function figures(endDay: number, days: number): Promise<PeriodFigures> {
    const from = endDay - (days - 1) * DAY;
    const hashes = await Promise.all(Array.from({ length: days }, (_, i) => store.hgetall(keys.aggDay(dayOf(from + i * DAY)))));
    const sum: Record<string, number> = {};
    for (const h of hashes) for (const [k, v] of Object.entries(h)) sum[k] = (sum[k] ?? 0) + v;
    const { get, family } = dayTotals(sum);
    const top = (prefix: Parameters<typeof family>[0], n = 3) => Object.entries(family(prefix)).sort((a, b) => b[1] - a[1]).slice(0, n) as Array<[string, number]>;
    const hist = (prefix: Parameters<typeof family>[0]) => new Map(Object.entries(family(prefix)).map(([b, n]) => [Number(b), n]));
    const mtta = hist(DAY_FAMILIES.mttaBuckets);
    const mttr = hist(DAY_FAMILIES.mttrBuckets);
    const ratio = (a: DayField, b: DayField) => (get(b) > 0 ? get(a) / get(b) : undefined);
    const npsN = get('nps:n');
    return {
      from,
      to: from + days * DAY,
      opened: get('opened'),
      resolved: get('resolved'),
      openedBySeverity: family(DAY_FAMILIES.openedBySeverity),
      openedByOrg: family(DAY_FAMILIES.openedByOrg),
      mttaP50: percentileFromHistogram(mtta, 0.5),
      mttaP90: percentileFromHistogram(mtta, 0.9),
      mttrP50: percentileFromHistogram(mttr, 0.5),
      mttrP90: percentileFromHistogram(mttr, 0.9),
      slaMet: ratio('sla:met', 'sla:total'),
      respondMet: ratio('respond:met', 'respond:total'),
      topSystems: top(DAY_FAMILIES.openedBySystem),
      topCauses: top(DAY_FAMILIES.causes),
      alertsFired: get('alerts:fired'),
      alertsAcked: get('alerts:acked'),
      noisiestRules: top(DAY_FAMILIES.alertRules),
      csatAverage: ratio('csat:sum', 'csat:n'),
      csatResponses: get('csat:n'),
      csatSent: get('csat:sent'),
      npsScore: npsN > 0 ? Math.round(((get('nps:promoters') - get('nps:detractors')) / npsN) * 100) : undefined,
      npsResponses: npsN,
      npsSent: get('nps:sent'),
      backupsOk: get('backup:success'),
      backupsFailed: get('backup:failed'),
      restoreOk: get('restore:success'),
      restoreFailed: get('restore:failed'),
      escalated: get('escalated'),
      improvementsOpened: get('improve:opened'),
      improvementsClosed: get('improve:closed'),
      releases: await releases.between(from, from + days * DAY),
      trainingsHeld: get('training:held'),
      trainingAttendees: get('training:attendees'),
      trainingRating: ratio('training:rating:sum', 'training:rating:n'),
      trainingSuggestion: top(DAY_FAMILIES.userErrorsBySystem, 1)
        .filter(([, n]) => n >= USER_ERROR_RECUR)
        .map(([system, n]) => ({ system, count: n }))[0],
      docsStale: get('docs:stale'),
      docsReviewed: get('docs:reviewed'),
      uatApproved: get('uat:approved'),
      uatRejected: get('uat:rejected'),
    };
  }

  return {
    async build(period: DigestPeriod): Promise<Digest> {
      const days = period === 'week' ? 7 : 30;
      const today = Date.parse(`${dayOf(now())}T00:00:00Z`);
      const [current, previous, open, overdue, effects] = await Promise.all([
        figures(today, days),
        figures(today - days * DAY, days),
        store.hgetall(keys.aggOpen()),
        improvements?.overdueCount(),
        improvements?.effects(),
      ]);
      const strip = (prefix: (typeof OPEN_FAMILIES)[keyof typeof OPEN_FAMILIES]) =>
        Object.fromEntries(Object.entries(open).filter(([k, v]) => k.startsWith(prefix) && v > 0).map(([k, v]) => [k.slice(prefix.length), v]));
      const candidates: Array<[string, number | undefined, number | undefined]> = [
        ['opened', previous.opened, current.opened],
        ['resolved', previous.resolved, current.resolved],
        ['mttaP50', previous.mttaP50, current.mttaP50],
        ['mttrP50', previous.mttrP50, current.mttrP50],
        ['slaMet', previous.slaMet, current.slaMet],
        ['alertsFired', previous.alertsFired, current.alertsFired],
        ['csatAverage', previous.csatAverage, current.csatAverage],
        ['backupsFailed', previous.backupsFailed, current.backupsFailed],
      ];
      const changes = candidates
        .filter((c): c is [string, number, number] => c[1] !== undefined && c[2] !== undefined && c[1] !== c[2])
        .map(([metric, from, to]) => ({ metric, from, to, weight: Math.abs(to - from) / Math.max(Math.abs(from), Math.abs(to), 1e-9) }))
        .sort((a, b) => b.weight - a.weight)
        .slice(0, 3)
        .map(({ metric, from, to }) => ({ metric, from, to }));
      return {
        period,
        current,
        previous,
        backlog: { total: Math.max(0, open['total' satisfies OpenField] ?? 0), bySeverity: strip(OPEN_FAMILIES.bySeverity), byOrg: strip(OPEN_FAMILIES.byOrg) },
        changes,
        improvements: improvements ? { opened: current.improvementsOpened, closed: current.improvementsClosed, overdue: overdue ?? 0, effects: effects ?? [] } : undefined,
      };
    },
  };
}
export type DigestService = ReturnType<typeof createDigest>;
export { bucketValueMs };
