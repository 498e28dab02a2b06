import { pino, type Logger as PinoLogger } from 'pino';
import { currentCorrelation } from './correlation.js';

/**
 * JSON-lines logging on pino. Secrets never reach a log line: values of keys that look secret are
 * masked, and any registered secret value is replaced wherever it appears.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const SECRET_KEY = /(secret|password|token|authorization|encrypt_?key)/i;
const secretValues = new Set<string>();

/** Registers values (tokens, passwords) that must never be printed. */
export function registerSecrets(...values: Array<string | undefined>): void {
  for (const v of values) if (v && v.length >= 4) secretValues.add(v);
}

function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const s of secretValues) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  }
  if (value instanceof Error) return { name: value.name, message: redact(value.message), stack: redact(value.stack) };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object' && depth < 4) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; defaults to stdout (warn and error to stderr). */
  sink?: (line: string, level: LogLevel) => void;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const sink =
    options.sink ??
    ((line: string, level: LogLevel) => (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n'));
  // pino writes the lines (JSON, ISO time, the level by name); the destination hands each to the sink.
  const destination = {
    write(line: string) {
      const text = line.endsWith('\n') ? line.slice(0, -1) : line;
      const level = (/"level":"(debug|info|warn|error)"/.exec(text)?.[1] ?? 'info') as LogLevel;
      sink(text, level);
    },
  };
  const root = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      // A line written while a unit of work runs carries its delivery id and correlation id
      // (fields given to the line or a child logger take precedence).
      mixin: (_fields, _level, logger) => (logger.bindings().correlationId === undefined ? { ...currentCorrelation() } : {}),
      formatters: {
        level: (label) => ({ level: label }),
        // Secrets are masked in every field, however deep, before pino serializes the line.
        log: (fields) => redact(fields) as Record<string, unknown>,
      },
    },
    destination,
  );
  return wrap(options.base ? root.child(redact(options.base) as Record<string, unknown>) : root);
}

/** Our Logger over a pino logger: `log.info(msg, fields)` is pino's `info(fields, msg)`. */
function wrap(logger: PinoLogger): Logger {
  return {
    debug: (m, f) => logger.debug(f ?? {}, redact(m) as string),
    info: (m, f) => logger.info(f ?? {}, redact(m) as string),
    warn: (m, f) => logger.warn(f ?? {}, redact(m) as string),
    error: (m, f) => logger.error(f ?? {}, redact(m) as string),
    child: (fields) => wrap(logger.child(redact(fields) as Record<string, unknown>)),
  };
}
