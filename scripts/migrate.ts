import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigValidationError, loadConfig, loadDotEnv, type AppConfig } from '@platform/config';
import { ensureDatabase, postgresOptions, runMigrations, seedDefaultTiers } from '@platform/database';

/** Creates the database if missing, applies pending migrations, inserts the default tiers. Idempotent. */
export async function migrateAndSeed(
  config: AppConfig,
  log: (line: string) => void = console.log,
): Promise<void> {
  if (await ensureDatabase(config.database.url))
    log(`created database ${new URL(config.database.url).pathname.slice(1)}`);
  const applied = await runMigrations(config);
  log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'migrations: up to date');
  const dataSource = new DataSource({
    ...postgresOptions(config, config.database.url, 'platform-seed'),
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
