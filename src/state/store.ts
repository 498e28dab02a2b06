/**
 * The one state module. Values live in Keyv (SQLite on disk by default, Redis for several replicas);
 * everything that must not race — ids, dedupe claims, locks, counters, indexes — goes through atomic
 * operations on the same database (SQL upserts with RETURNING, or Redis commands). Nothing outside
 * this folder touches a database client.
 */

import type Keyv from 'keyv';
import type { StateStore } from '../core/store.js';
import { ConfigError } from '../config.js';

export type { StateStore, ScoredMember, RangeOptions } from '../core/store.js';

/**
 * Opens the store named by an `AFTERCARE_STORE` URL: `sqlite://<path>` or `redis://…`. A store that
 * cannot be opened (an unreachable Redis, a path that cannot be written) is a configuration error
 * naming the variable, not a stack trace.
 */
export async function openStore(url: string): Promise<StateStore> {
  try {
    if (url.startsWith('redis://') || url.startsWith('rediss://')) {
      const { createRedisStore } = await import('./redis-store.js');
      return await createRedisStore(url);
    }
    const { createSqliteStore } = await import('./sqlite-store.js');
    return await createSqliteStore(url);
  } catch (e) {
    const reason = e instanceof Error ? (e as NodeJS.ErrnoException).code ?? e.message : String(e);
    const what = url.startsWith('redis') ? `Redis at ${redact(url)} is not reachable` : `cannot open the SQLite database at ${url.replace(/^sqlite:\/\//, '')}`;
    throw new ConfigError('AFTERCARE_STORE', `${what} (${reason})`);
  }
}

/** A store URL without its password. */
function redact(url: string): string {
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
