import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/state/postgres-store.js';
import { openStore } from '../../src/state/store.js';
import { freshPostgresUrl, testPostgresUrl } from '../helpers/env.js';

/** What is particular to PostgreSQL: the schema and its versions, and how a bad URL is reported. */
describe.runIf(testPostgresUrl())('the PostgreSQL store', () => {
  const query = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const result = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(result) ? result.at(-1)! : result).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  };

  it('creates its schema on start, once, when three replicas start together, and records the version', async () => {
    const url = await freshPostgresUrl('schema');
    const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
    try {
      expect((await query(url, 'SELECT version FROM ac_schema_version ORDER BY version')).map((r) => r.version)).toEqual(
        Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1),
      );
      const tables = (await query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).map((r) => r.tablename);
      expect(tables).toEqual(['ac_claim', 'ac_counter', 'ac_delivery', 'ac_hash', 'ac_schema_version', 'ac_zset', 'keyv']);
      // All three work on the same data.
      await stores[0]!.set('shared', { by: 0 });
      expect(await stores[2]!.get('shared')).toEqual({ by: 0 });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    // A restart finds the schema current and applies nothing.
    const again = await openStore(url);
    await again.close();
    expect(await query(url, 'SELECT count(*)::int AS n FROM ac_schema_version')).toEqual([{ n: POSTGRES_SCHEMA_VERSION }]);
  });

  it('refuses a database migrated by a newer aftercare, naming AFTERCARE_STORE', async () => {
    const url = await freshPostgresUrl('newer');
    await (await openStore(url)).close();
    await query(url, `INSERT INTO ac_schema_version (version) VALUES (${POSTGRES_SCHEMA_VERSION + 1})`);
    const refused = openStore(url);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(/AFTERCARE_STORE.*schema version \d+, newer than this aftercare knows/);
  });

  it('reports an unknown database as a configuration error without the password', async () => {
    const u = new URL(testPostgresUrl()!);
    u.pathname = '/no_such_database';
    u.password = 's3cret-password';
    const refused = openStore(u.toString());
    await expect(refused).rejects.toThrow(/AFTERCARE_STORE — PostgreSQL at postgres:\/\/aftercare:\*\*\*@.*cannot be used \(database "no_such_database" does not exist\)/);
    await expect(refused).rejects.not.toThrow(/s3cret/);
  });

  it('finds expired values through the index on their expiry, not by reading every value', async () => {
    const url = await freshPostgresUrl('purge');
    const store = await openStore(url);
    try {
      await store.set('short', 'v', 1);
      await store.set('kept', 'v');
      await new Promise((r) => setTimeout(r, 10));
      expect(await store.purgeExpired()).toBe(1);
      // A table this small is read whole anyway; with sequential scans off, the plan shows the index can serve.
      const plan = (await query(url, "SET enable_seqscan = off; EXPLAIN (FORMAT JSON) SELECT key FROM keyv WHERE expires <= 0 LIMIT 10"))[0]!['QUERY PLAN'];
      expect(JSON.stringify(plan)).toMatch(/keyv_expires/);
      expect(await store.get('kept')).toBe('v');
    } finally {
      await store.close();
    }
  });
});
