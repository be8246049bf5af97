import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@platform/config';
import { MIGRATIONS, runMigrations } from '@platform/database';
import { revertLastMigration } from '../../scripts/migration-revert';
import { createTestDatabase, type TestDatabase } from '../support';

describe('migration:revert', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('undoes the last applied migration, one per run, and migrate applies it again', async () => {
    const config = loadConfig({ DATABASE_URL: db.url });
    const applied = async () =>
      (await db.dataSource.query(`SELECT name FROM migrations ORDER BY id`)).map(
        (r: { name: string }) => r.name,
      );
    const all = await applied();
    expect(all).toHaveLength(MIGRATIONS.length);

    expect(await revertLastMigration(config)).toBe(all.at(-1));
    expect(await revertLastMigration(config)).toBe(all.at(-2));
    expect(await applied()).toEqual(all.slice(0, -2));
    expect(await runMigrations(config)).toEqual(all.slice(-2));
    expect(await applied()).toEqual(all);
  });
});
