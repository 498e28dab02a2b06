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
  const to =
    (write: (msg: string, fields: Record<string, unknown>) => void) =>
    (...m: unknown[]) => {
      const { msg, fields } = line(m);
      write(msg, { ...fields, source: name });
    };
  return {
    // Bolt's info lines are its start-up chatter: kept at debug.
    debug: to((msg, fields) => log.debug(msg, fields)),
    info: to((msg, fields) => log.debug(msg, fields)),
    warn: to((msg, fields) => log.warn(msg, fields)),
    error: to((msg, fields) => log.error(msg, fields)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.DEBUG,
    setName: (n: string) => {
      name = n;
    },
  };
}
