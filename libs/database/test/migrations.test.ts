import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@platform/config';
import { DataSource } from 'typeorm';
import { dropDatabase, ensureDatabase, postgresOptions, runMigrations } from '@platform/database';
import { LOCAL_POSTGRES, randomSuffix } from '../../../test/support/libs';

async function schemaSnapshot(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, column_default
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`,
    );
    const indexes = await client.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`,
    );
    return JSON.stringify({ columns: columns.rows, indexes: indexes.rows });
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  const url = `${LOCAL_POSTGRES}/test_mig_${randomSuffix()}`;
  afterAll(() => dropDatabase(url));

  it('create the database, apply to it when empty, change nothing when re-run, and undo the newest', async () => {
    const config = loadConfig({ DATABASE_URL: url });
    expect(await ensureDatabase(url)).toBe(true);
    expect(await ensureDatabase(url)).toBe(false);
    const applied = await runMigrations(config);
    expect(applied.length).toBeGreaterThan(0);
    const before = await schemaSnapshot(url);
    expect(before).toContain('api_keys_live_hash_uq');
    expect(await runMigrations(config)).toEqual([]);
    expect(await schemaSnapshot(url)).toBe(before);

    // The newest migration is reversible: undone, the schema loses it; re-applied, it is back as it was.
    const dataSource = new DataSource({ ...postgresOptions(config, url, 'migration-test'), poolSize: 1 });
    await dataSource.initialize();
    try {
      await dataSource.undoLastMigration({ transaction: 'each' });
    } finally {
      await dataSource.destroy();
    }
    expect(await schemaSnapshot(url)).not.toBe(before);
    expect(await runMigrations(config)).toEqual([applied[applied.length - 1]]);
    expect(await schemaSnapshot(url)).toBe(before);
  });
});
