import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigValidationError, loadConfig, loadDotEnv, type AppConfig } from '@platform/config';
import { postgresOptions } from '@platform/database';

/** `npm run migration:revert`: undoes the last applied migration (its `down`), one per run. */
export async function revertLastMigration(config: AppConfig): Promise<string | undefined> {
  const dataSource = new DataSource({
    ...postgresOptions(config, config.database.url, 'platform-migrate'),
    poolSize: 1,
  });
  await dataSource.initialize();
  try {
    const [{ exists }] = await dataSource.query<Array<{ exists: boolean }>>(
      `SELECT to_regclass('migrations') IS NOT NULL AS exists`,
    );
    const [last] = exists
      ? await dataSource.query<Array<{ name: string }>>(
          `SELECT name FROM migrations ORDER BY timestamp DESC, id DESC LIMIT 1`,
        )
      : [];
    if (!last) return undefined;
    await dataSource.undoLastMigration({ transaction: 'each' });
    return last.name;
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
  revertLastMigration(config).then(
    (name) => console.log(name ? `reverted ${name}` : 'no migration to revert'),
    (error: unknown) => {
      console.error('revert failed:', error);
      process.exit(1);
    },
  );
}
