import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/core/log.js';

/**
 * Slack's users' locales. Slash commands and interaction payloads carry no locale, so it comes from
 * `users.info?include_locale=true` — looked up after the ack (never on the ack path), cached per
 * user, with a short timeout: a slow Web API only means the deployment default for that reply.
 */
export interface LocaleCache {
  /** The cached locale of a user, without any call. */
  known(userId: string): string | undefined;
  /** The locale of a user: from the cache or users.info; `undefined` when Slack does not say in time. */
  resolve(userId: string): Promise<string | undefined>;
}

export interface LocaleCacheOptions {
  ttlMs?: number;
  /** How long a failed lookup is not repeated (missing `users:read` scope, outage). */
  failureTtlMs?: number;
  timeoutMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export function createLocaleCache(client: webApi.WebClient, log: Logger, options: LocaleCacheOptions = {}): LocaleCache {
  const ttl = options.ttlMs ?? 6 * 3600_000;
  const failureTtl = options.failureTtlMs ?? 5 * 60_000;
  const timeoutMs = options.timeoutMs ?? 1500;
  const max = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { locale?: string; until: number }>();
  const inFlight = new Map<string, Promise<string | undefined>>();

  const remember = (user: string, locale: string | undefined, forMs: number) => {
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    cache.set(user, { locale, until: now() + forMs });
  };

  async function lookup(user: string): Promise<string | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const call = client.users.info({ user, include_locale: true }).then((r) => r.user?.locale);
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      });
      const locale = await Promise.race([call, timeout]);
      call.catch(() => undefined);
      remember(user, locale, locale ? ttl : failureTtl);
      return locale;
    } catch (e) {
      log.debug('slack users.info failed; using the default locale', { error: e instanceof Error ? e.message : String(e) });
      remember(user, undefined, failureTtl);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    known(user) {
      const hit = cache.get(user);
      return hit && hit.until > now() ? hit.locale : undefined;
    },
    resolve(user) {
      const hit = cache.get(user);
      if (hit && hit.until > now()) return Promise.resolve(hit.locale);
      let p = inFlight.get(user);
      if (!p) {
        p = lookup(user).finally(() => inFlight.delete(user));
        inFlight.set(user, p);
      }
      return p;
    },
  };
}
