import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigValidationError, loadConfig, loadDotEnv, type AppConfig } from '@platform/config';
import {
  applyDatabaseSettings,
  ensureDatabase,
  migrationTargetUrl,
  postgresOptions,
  runMigrations,
  seedDefaultTiers,
} from '@platform/database';

/**
 * Creates the database if missing, applies pending migrations and the database's own settings,
 * inserts the default tiers. Idempotent. Runs on MIGRATION_DATABASE_URL when set: a transaction pooler
 * usually exposes neither the `postgres` maintenance database nor session features.
 */
export async function migrateAndSeed(
  config: AppConfig,
  log: (line: string) => void = console.log,
): Promise<void> {
  const url = await migrationTargetUrl(config);
  if (await ensureDatabase(url)) log(`created database ${new URL(url).pathname.slice(1)}`);
  const applied = await runMigrations(config);
  log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'migrations: up to date');
  if (await applyDatabaseSettings(config, url))
    log(
      `statement_timeout ${config.database.statementTimeoutMs} ms set on the database (transaction pooler)`,
    );
  const dataSource = new DataSource({
    ...postgresOptions(config, url, 'platform-seed'),
    poolSize: 1,
  });
  await dataSource.initialize();
  try {
    await seedDefaultTiers(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  loadDotEnv();
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(error instanceof ConfigValidationError ? error.message : error);
    process.exit(1);
  }
  migrateAndSeed(config).catch((error: unknown) => {
    console.error('migration failed:', error);
    process.exit(1);
  });
}
