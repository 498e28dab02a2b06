import type { DayField } from '../digest/figures.js';
import { keys } from '../../core/keys.js';
import type { AuditLog } from '../audit/service.js';
import { dayOf, withLock, type ServiceDeps } from '../deps.js';

export type BackupType = 'full' | 'incremental' | 'differential';

export interface BackupReport {
  system: string;
  type: BackupType;
  status: 'success' | 'failed';
  startedAt: string;
  finishedAt: string;
  bytes?: number;
  location?: string;
  restoreTest?: boolean;
  [extra: string]: unknown;
}

export interface BackupRun {
  status: 'success' | 'failed';
  finishedAt: number;
  bytes?: number;
  location?: string;
}

export interface BackupStatus {
  system: string;
  last: Partial<Record<BackupType, BackupRun>>;
  lastSuccessAt?: number;
  lastFailure?: BackupRun & { type: BackupType };
  lastRestoreTest?: BackupRun;
}

export interface BackupHealth extends BackupStatus {
  rpoHours: number;
  ageMs?: number;
  state: 'ok' | 'failed' | 'stale' | 'never';
}

/** Backup job reports, restore tests, and per-system status against the RPO. */
export function createBackups(deps: ServiceDeps, audit: AuditLog) {
  const { store, now, config } = deps;
  const rpo = (system: string) => config.rpoHours[system] ?? config.rpoHours['*'] ?? 24;

  function health(s: BackupStatus): BackupHealth {
    const rpoHours = rpo(s.system);
    const ageMs = s.lastSuccessAt ? now() - s.lastSuccessAt : undefined;
    const latest = Object.values(s.last).sort((a, b) => b!.finishedAt - a!.finishedAt)[0];
    const state =
      latest?.status === 'failed' ? 'failed' : ageMs === undefined ? 'never' : ageMs > rpoHours * 3600_000 ? 'stale' : 'ok';
    return { ...s, rpoHours, ageMs, state };
  }

  return {
    /** Stores a job report (idempotent per system+type+finishedAt) and returns the new health. */
    async report(by: string, r: BackupReport): Promise<{ health: BackupHealth; duplicate: boolean }> {
      const finished = Date.parse(r.finishedAt);
      const jobId = `${r.system}:${r.restoreTest ? 'restore' : r.type}:${finished}`;
      const duplicate = !(await store.claim(keys.hookDelivery('backup', jobId), 365 * 24 * 3600_000));
      const key = keys.backupStatus(r.system);
      if (duplicate) return { health: health((await store.get<BackupStatus>(key)) ?? { system: r.system, last: {} }), duplicate };
      // Reports for one system arrive concurrently (full + incremental jobs): update its status under a lock.
      return withLock(store, `backup:${r.system}`, async () => {
        const s = (await store.get<BackupStatus>(key)) ?? { system: r.system, last: {} };
        const run: BackupRun = { status: r.status, finishedAt: finished, bytes: r.bytes, location: r.location };
        await store.set(keys.backupJob(jobId), r);
        await store.zadd(keys.backupJobs(r.system), jobId, finished);
        if (r.restoreTest) s.lastRestoreTest = run;
        else {
          s.last[r.type] = run;
          if (r.status === 'success') s.lastSuccessAt = Math.max(s.lastSuccessAt ?? 0, finished);
          else s.lastFailure = { ...run, type: r.type };
        }
        await store.set(key, s);
        await store.zadd(keys.backupSystems(), r.system, finished);
        const day = keys.aggDay(dayOf(now()));
        const field: DayField = r.restoreTest ? `restore:${r.status}` : `backup:${r.status}`;
        await store.hincr(day, field);
        await audit.record(by, r.restoreTest ? 'backup.restore_test' : 'backup.reported', r.system, undefined, { type: r.type, status: r.status });
        return { health: health(s), duplicate };
      });
    },
    /** Health per system, failed and stale first. `systems` limits to those (customer scope). */
    async status(systems?: string[]): Promise<BackupHealth[]> {
      const names = systems ?? (await store.zrange(keys.backupSystems(), -Infinity, Infinity)).map((m) => m.member);
      const rows = await store.getMany<BackupStatus>(names.map((n) => keys.backupStatus(n)));
      const rank = { failed: 0, stale: 1, never: 2, ok: 3 } as const;
      return rows
        .map((s, i) => health(s ?? { system: names[i]!, last: {} }))
        .sort((a, b) => rank[a.state] - rank[b.state] || a.system.localeCompare(b.system));
    },
  };
}
export type Backups = ReturnType<typeof createBackups>;
