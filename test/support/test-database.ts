import { DataSource } from 'typeorm';
import { loadConfig } from '@platform/config';
import {
  dropDatabase,
  ensureDatabase,
  postgresOptions,
  runMigrations,
  seedDefaultTiers,
} from '@platform/database';
import { LOCAL_POSTGRES, randomSuffix } from './test-env';

export interface TestDatabase {
  url: string;
  /** A small pool on the test database for assertions and fixtures. */
  dataSource: DataSource;
  drop(): Promise<void>;
}

/** A fresh database with a random name, migrated and seeded; dropped by `drop()`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = `${LOCAL_POSTGRES}/test_${randomSuffix()}`;
  const config = loadConfig({ DATABASE_URL: url, DB_POOL_SIZE: '4' });
  await ensureDatabase(url);
  await runMigrations(config);
  const dataSource = new DataSource(postgresOptions(config, url, 'platform-test'));
  await dataSource.initialize();
  await seedDefaultTiers(dataSource);
  return {
    url,
    dataSource,
    drop: async () => {
      await dataSource.destroy();
      await dropDatabase(url);
    },
  };
}
