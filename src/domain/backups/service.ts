import type { DayField } from '../digest/figures.js';
import { keys } from '../../core/keys.js';
import { systemDisplay, systemKey } from '../../core/systems.js';
import type { AuditLog } from '../audit/service.js';
import { dayOf, withLock, type ServiceDeps } from '../deps.js';

export type BackupType = 'full' | 'incremental' | 'differential';

/** How a run ended: `incomplete` means a backup was written without some of its data (restic exit 3). */
export type BackupOutcome = 'success' | 'failed' | 'incomplete';

export interface BackupReport {
  system: string;
  type: BackupType;
  status: BackupOutcome;
  startedAt: string;
  /** When the run finished (ISO-8601): from the run's own report, never in the future (see {@link finishTimeProblem}). */
  finishedAt: string;
  bytes?: number;
  location?: string;
  restoreTest?: boolean;
  /** Why a run failed or is incomplete, as the tool said it. */
  reason?: string;
  /** Nothing had changed and no new backup was written (restic --skip-if-unchanged): the previous one is current. */
  unchanged?: boolean;
  [extra: string]: unknown;
}

export interface BackupRun {
  status: BackupOutcome;
  finishedAt: number;
  bytes?: number;
  location?: string;
  reason?: string;
  unchanged?: boolean;
}

export interface BackupStatus {
  /** The system's name as first written. */
  system: string;
  last: Partial<Record<BackupType, BackupRun>>;
  lastSuccessAt?: number;
  lastFailure?: BackupRun & { type: BackupType };
  lastRestoreTest?: BackupRun;
}

export interface BackupHealth extends BackupStatus {
  rpoHours: number;
  ageMs?: number;
  /** `failed` / `incomplete`: the newest run (by finish time) ended so. */
  state: 'ok' | 'failed' | 'incomplete' | 'stale' | 'never';
}

/** How far ahead of our clock a finish time may be (the sender's clock may run a little fast). */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Why a finish time cannot be taken, or undefined: a time in the future (beyond {@link CLOCK_SKEW_MS})
 * would make the system look freshly backed up for ever — often a local wall time labelled `Z`.
 */
export function finishTimeProblem(finishedAt: string, now: number): string | undefined {
  const at = Date.parse(finishedAt);
  if (Number.isNaN(at)) return 'not a time';
  if (at > now + CLOCK_SKEW_MS) return `in the future (${finishedAt}; this server's time is ${new Date(now).toISOString()}): send the time with its real UTC offset`;
  return undefined;
}

/** Backup job reports, restore tests, and per-system status against the RPO. */
export function createBackups(deps: ServiceDeps, audit: AuditLog) {
  const { store, now, config } = deps;
  const rpo = (system: string) => config.rpoHours[systemKey(system)] ?? config.rpoHours[system] ?? config.rpoHours['*'] ?? 24;

  function health(s: BackupStatus): BackupHealth {
    const rpoHours = rpo(s.system);
    const ageMs = s.lastSuccessAt ? now() - s.lastSuccessAt : undefined;
    const latest = Object.values(s.last).sort((a, b) => b!.finishedAt - a!.finishedAt)[0];
    const state =
      latest?.status === 'failed' ? 'failed' : latest?.status === 'incomplete' ? 'incomplete' : ageMs === undefined ? 'never' : ageMs > rpoHours * 3600_000 ? 'stale' : 'ok';
    return { ...s, rpoHours, ageMs, state };
  }

  return {
    /**
     * Stores a job report and returns the new health. A report is stored once (per system, type and
     * finish time): the claim on that is written in the same store step as the report, so a failed
     * write leaves nothing claimed. Reports are ordered by finish time: one that arrives late and
     * finished before the stored run of its type is kept in the job history but does not replace it.
     */
    async report(by: string, r: BackupReport): Promise<{ health: BackupHealth; duplicate: boolean }> {
      const finished = Date.parse(r.finishedAt);
      const sys = systemKey(r.system);
      const jobId = `${sys}:${r.restoreTest ? 'restore' : r.type}:${finished}`;
      const key = keys.backupStatus(sys);
      // Reports for one system arrive concurrently (full + incremental jobs): update its status under a lock.
      return withLock(store, `backup:${sys}`, async () => {
        const s = (await store.get<BackupStatus>(key)) ?? { system: systemDisplay(r.system), last: {} };
        const before = health(structuredClone(s));
        const run: BackupRun = { status: r.status, finishedAt: finished, bytes: r.bytes, location: r.location, ...(r.reason ? { reason: r.reason } : {}) };
        if (r.unchanged) {
          // No new backup: the newest stored one of this type is still the current copy.
          run.unchanged = true;
          run.location ??= s.last[r.type]?.location ?? Object.values(s.last).find((x) => x?.location)?.location;
        }
        if (r.restoreTest) {
          if (!s.lastRestoreTest || finished >= s.lastRestoreTest.finishedAt) s.lastRestoreTest = run;
        } else {
          const current = s.last[r.type];
          if (!current || finished >= current.finishedAt) s.last[r.type] = run;
          if (r.status === 'success') s.lastSuccessAt = Math.max(s.lastSuccessAt ?? 0, finished);
          else if (!s.lastFailure || finished >= s.lastFailure.finishedAt) s.lastFailure = { ...run, type: r.type };
        }
        const field: DayField = r.restoreTest ? `restore:${r.status === 'success' ? 'success' : 'failed'}` : `backup:${r.status === 'success' ? 'success' : 'failed'}`;
        const applied = await store.batch(
          [
            { op: 'set', key: keys.backupJob(jobId), value: r },
            { op: 'zadd', key: keys.backupJobs(sys), member: jobId, score: finished },
            { op: 'set', key, value: s },
            { op: 'zadd', key: keys.backupSystems(), member: sys, score: finished },
            { op: 'hincr', key: keys.aggDay(dayOf(now())), by: { [field]: 1 } },
            ...audit.entry(by, r.restoreTest ? 'backup.restore_test' : 'backup.reported', s.system, undefined, { type: r.type, status: r.status, finishedAt: r.finishedAt, ...(r.reason ? { reason: r.reason } : {}) }),
          ],
          { once: keys.hookDelivery('backup', jobId), onceTtlMs: 365 * 24 * 3600_000 },
        );
        return applied ? { health: health(s), duplicate: false } : { health: before, duplicate: true };
      });
    },
    /** Whether any report was ever stored for the system (any spelling of its name). */
    async known(system: string): Promise<boolean> {
      return (await store.zscore(keys.backupSystems(), systemKey(system))) !== undefined;
    },
    /** Health per system, failed and stale first. `systems` limits to those (customer scope; any spelling). */
    async status(systems?: string[]): Promise<BackupHealth[]> {
      const names = systems?.map(systemKey) ?? (await store.zrange(keys.backupSystems(), -Infinity, Infinity)).map((m) => m.member);
      const rows = await store.getMany<BackupStatus>(names.map((n) => keys.backupStatus(n)));
      const rank = { failed: 0, incomplete: 1, stale: 2, never: 3, ok: 4 } as const;
      return rows
        .map((s, i) => health(s ?? { system: systems?.[i] ?? names[i]!, last: {} }))
        .sort((a, b) => rank[a.state] - rank[b.state] || a.system.localeCompare(b.system));
    },
  };
}
export type Backups = ReturnType<typeof createBackups>;
