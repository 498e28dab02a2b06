import { AppError } from '../../core/errors.js';
import type { DayField } from '../digest/figures.js';
import { keys } from '../../core/keys.js';
import type { AuditLog } from '../audit/service.js';
import { dayOf, type ServiceDeps } from '../deps.js';

export interface Release {
  version: string;
  date: string;
  notes: string;
  /** The delivered system it is a release of, when known (planned releases, or named by CI). */
  system?: string;
  /** Ticket ids fixed in this version. */
  fixed: string[];
  publishedAt?: number;
  publishedBy?: string;
  createdAt: number;
}

/** Release notes and the tickets they fix. */
export function createReleases(deps: ServiceDeps, audit: AuditLog) {
  const { store, now } = deps;
  return {
    async get(version: string): Promise<Release> {
      const r = await store.get<Release>(keys.release(version));
      if (!r) throw new AppError('not_found', 'error.release_not_found', { version });
      return r;
    },
    async find(version: string): Promise<Release | undefined> {
      return store.get<Release>(keys.release(version));
    },
    async list(limit = 10): Promise<Release[]> {
      const ids = await store.zrange(keys.releases(), -Infinity, Infinity, { reverse: true, limit });
      return (await store.getMany<Release>(ids.map((m) => keys.release(m.member)))).filter((r): r is Release => r !== undefined);
    },
    /** Stores (or updates) and marks published. Returns whether this call published it for the first time. */
    async publish(by: string, input: { version: string; date?: string; notes?: string; fixed: string[]; system?: string }): Promise<{ release: Release; first: boolean }> {
      const existing = await store.get<Release>(keys.release(input.version));
      const at = now();
      const release: Release = {
        version: input.version,
        date: input.date ?? existing?.date ?? new Date(at).toISOString().slice(0, 10),
        notes: input.notes ?? existing?.notes ?? '',
        system: input.system ?? existing?.system,
        fixed: [...new Set([...(existing?.fixed ?? []), ...input.fixed])],
        publishedAt: existing?.publishedAt ?? at,
        publishedBy: existing?.publishedBy ?? by,
        createdAt: existing?.createdAt ?? at,
      };
      await store.set(keys.release(input.version), release);
      await store.zadd(keys.releases(), input.version, release.createdAt);
      if (release.system) await store.zadd(keys.releasesBySystem(release.system), input.version, release.publishedAt!, { onlyNew: true });
      const first = await store.claim(keys.releasePublished(input.version), 10 * 365 * 24 * 3600_000);
      if (first) await store.hincr(keys.aggDay(dayOf(at)), 'releases' satisfies DayField);
      await audit.record(by, 'release.published', input.version, existing, { fixed: release.fixed });
      return { release, first };
    },
    /** Releases published between two times (digest). */
    async between(from: number, to: number): Promise<Release[]> {
      const ids = await store.zrange(keys.releases(), from, to);
      return (await store.getMany<Release>(ids.map((m) => keys.release(m.member)))).filter((r): r is Release => r !== undefined);
    },
  };
}
export type Releases = ReturnType<typeof createReleases>;
