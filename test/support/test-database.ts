import { inject } from 'vitest';
import { DataSource } from 'typeorm';
import { loadConfig } from '@platform/config';
import {
  applyDatabaseSettings,
  dropDatabase,
  ensureDatabase,
  postgresOptions,
  runMigrations,
  seedDefaultTiers,
} from '@platform/database';
import { LOCAL_POSTGRES, randomSuffix } from './test-env';

export interface TestDatabase {
  /** What the app gets as DATABASE_URL: direct, or through PgBouncer under the scale-out project. */
  url: string;
  /** The database on the server itself (migrations, fixtures, assertions). */
  directUrl: string;
  /** A small pool on the test database for assertions and fixtures. */
  dataSource: DataSource;
  drop(): Promise<void>;
}

/** The private PgBouncer's port when this run goes through one (scale-out project), else undefined. */
function pgbouncerPort(): number | undefined {
  return inject('pgbouncerPort') || undefined;
}

/** What testEnv adds for Postgres: the transaction-pooler switch when the app goes through PgBouncer. */
export function testPostgresEnv(): Record<string, string> {
  return pgbouncerPort() ? { DATABASE_TRANSACTION_POOLER: 'true' } : {};
}

/** A fresh database with a random name, migrated and seeded; dropped by `drop()`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `test_${randomSuffix()}`;
  const directUrl = `${LOCAL_POSTGRES}/${name}`;
  const bouncer = pgbouncerPort();
  const config = loadConfig({ DATABASE_URL: directUrl, DB_POOL_SIZE: '4', ...testPostgresEnv() });
  await ensureDatabase(directUrl);
  await runMigrations(config);
  // As migrate does: through the pooler the statement timeout is the database's own setting.
  await applyDatabaseSettings(config, directUrl);
  const dataSource = new DataSource(postgresOptions(config, directUrl, 'platform-test'));
  await dataSource.initialize();
  await seedDefaultTiers(dataSource);
  return {
    url: bouncer ? `postgres://postgres@127.0.0.1:${bouncer}/${name}` : directUrl,
    directUrl,
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await dropDatabase(directUrl);
    },
  };
}

/** Undoes migrations, newest first, until `name` is undone: the schema as it was before it. */
export async function undoMigrationsThrough(dataSource: DataSource, name: string): Promise<void> {
  const applied = new Set(
    (await dataSource.query<Array<{ name: string }>>(`SELECT name FROM migrations`)).map((m) => m.name),
  );
  if (!applied.has(name)) throw new Error(`migration ${name} is not applied`);
  for (const migration of [...dataSource.migrations].reverse()) {
    if (!applied.has(migration.name!)) continue;
    await dataSource.undoLastMigration();
    if (migration.name === name) return;
  }
}
