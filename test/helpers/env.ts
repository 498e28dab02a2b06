import pg from 'pg';
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

/** PostgreSQL for tests: CI starts a throwaway cluster and sets AFTERCARE_TEST_POSTGRES_URL. */
export function testPostgresUrl(): string | undefined {
  return process.env.AFTERCARE_TEST_POSTGRES_URL;
}

/**
 * A new, empty database on the test PostgreSQL (a test that counts from SUP-1 needs its own);
 * returns its URL. Databases are named `ac_<name>_<random>` and left for the throwaway cluster.
 */
export async function freshPostgresUrl(name = 'test'): Promise<string> {
  const base = testPostgresUrl();
  if (!base) throw new Error('AFTERCARE_TEST_POSTGRES_URL is not set');
  const db = `ac_${name.replace(/\W/g, '_')}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${db}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.pathname = `/${db}`;
  return url.toString();
}
