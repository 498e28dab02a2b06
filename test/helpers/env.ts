import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../src/core/log.js';

/** A fresh SQLite URL in a temp dir. */
export function tempSqliteUrl(name = 'test'): string {
  return `sqlite://${join(mkdtempSync(join(tmpdir(), 'aftercare-')), `${name}.sqlite`)}`;
}

/** Redis for tests: CI starts one and sets AFTERCARE_TEST_REDIS_URL. */
export function testRedisUrl(): string | undefined {
  return process.env.AFTERCARE_TEST_REDIS_URL;
}

/** A logger that keeps lines for assertions instead of printing them. */
export function memoryLogger(): Logger & { lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return Object.assign(log, { lines });
}
