/**
 * The one state module. Values live in Keyv (SQLite on disk by default, PostgreSQL or Redis for
 * several replicas);
 * everything that must not race — ids, dedupe claims, locks, counters, indexes — goes through atomic
 * operations on the same database (SQL upserts with RETURNING, or Redis commands). Nothing outside
 * this folder touches a database client.
 */

import type Keyv from 'keyv';
import type { StateStore } from '../core/store.js';
import { ConfigError } from '../config.js';

export type { StateStore, ScoredMember, RangeOptions } from '../core/store.js';

/**
 * Opens the store named by an `AFTERCARE_STORE` URL: `sqlite://<path>`, `postgres://…` or
 * `redis://…`. A store that cannot be opened (an unreachable server, a path that cannot be written)
 * is a configuration error naming the variable, not a stack trace.
 */
export async function openStore(url: string): Promise<StateStore> {
  try {
    if (url.startsWith('redis://') || url.startsWith('rediss://')) {
      const { createRedisStore } = await import('./redis-store.js');
      return await createRedisStore(url);
    }
    if (isPostgresUrl(url)) {
      const { createPostgresStore } = await import('./postgres-store.js');
      return await createPostgresStore(url);
    }
    const { createSqliteStore } = await import('./sqlite-store.js');
    return await createSqliteStore(url);
  } catch (e) {
    // PostgreSQL's codes are SQLSTATEs (3D000); its message says more (database "x" does not exist).
    const reason = e instanceof Error ? (isPostgresUrl(url) ? e.message : (e as NodeJS.ErrnoException).code ?? e.message) : String(e);
    const what = url.startsWith('redis')
      ? `Redis at ${redact(url)} is not reachable`
      : isPostgresUrl(url)
        ? `PostgreSQL at ${redact(url)} cannot be used`
        : `cannot open the SQLite database at ${url.replace(/^sqlite:\/\//, '')}`;
    throw new ConfigError('AFTERCARE_STORE', `${what} (${reason})`);
  }
}

/** Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** A store URL without its password. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Splits `items` into chunks of `size`. */
export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A value as Keyv stores it (`{ value, expires }` through its serializer), for batch writes that bypass `keyv.set`. */
export async function serialize(keyv: Keyv, value: unknown, ttlMs?: number): Promise<string> {
  return String(await keyv.serializeData({ value, expires: ttlMs ? Date.now() + ttlMs : undefined }));
}
