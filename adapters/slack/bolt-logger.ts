import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../src/core/log.js';

function line(parts: unknown[]): { msg: string; fields?: Record<string, unknown> } {
  const [first, ...rest] = parts;
  const msg = typeof first === 'string' ? first : first instanceof Error ? first.message : JSON.stringify(first);
  return rest.length ? { msg, fields: { detail: rest.map((p) => (p instanceof Error ? p : typeof p === 'string' ? p : JSON.stringify(p))) } } : { msg };
}

/**
 * Bolt's and the Web API client's logger, writing through aftercare's JSON logger so their lines
 * get the same secret redaction. Bolt's level setters are ignored: AFTERCARE_LOG_LEVEL decides.
 */
export function toBoltLogger(log: Logger): BoltLogger {
  let name = 'slack';
  return {
    debug: (...m: unknown[]) => {
      const { msg, fields } = line(m);
      log.debug(msg, { ...fields, source: name });
    },
    info: (...m: unknown[]) => {
      const { msg, fields } = line(m);
      log.debug(msg, { ...fields, source: name });
    },
    warn: (...m: unknown[]) => {
      const { msg, fields } = line(m);
      log.warn(msg, { ...fields, source: name });
    },
    error: (...m: unknown[]) => {
      const { msg, fields } = line(m);
      log.error(msg, { ...fields, source: name });
    },
    setLevel: () => undefined,
    getLevel: () => LogLevel.DEBUG,
    setName: (n: string) => {
      name = n;
    },
  };
}
