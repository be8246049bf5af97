import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@platform/config';
import { postgresOptions } from './data-source-options';
import { migrationTargetUrl } from './primary/primary-data-source';
import { assertPostgresVersion } from './server-version';

/** The database name of a URL, refused unless it is a plain identifier (it is interpolated below). */
function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name)) throw new Error(`Unsupported database name: ${name}`);
  return name;
}

/** Runs `fn` on the server's `postgres` maintenance database (CREATE/DROP DATABASE run outside the target). */
async function onMaintenanceDatabase<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the target database when it does not exist yet; true when it was created. */
export function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  return onMaintenanceDatabase(url, async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return false;
    await client.query(`CREATE DATABASE "${name}"`);
    return true;
  });
}

export function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  return onMaintenanceDatabase(url, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

/**
 * Applies pending migrations (each in its own transaction) on the direct URL (MIGRATION_DATABASE_URL,
 * else the primary); returns the names applied.
 */
export async function runMigrations(config: AppConfig): Promise<string[]> {
  const dataSource = new DataSource({
    ...postgresOptions(config, await migrationTargetUrl(config), 'platform-migrate'),
    poolSize: 2,
  });
  await dataSource.initialize();
  try {
    await assertPostgresVersion(dataSource);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Settings carried by the database itself rather than by each connection. Through a transaction pooler
 * (PgBouncer pool_mode=transaction refuses startup parameters) this is how the statement timeout still
 * applies: every server connection the pooler opens afterwards starts with it. Without a pooler the
 * connections set it themselves and the database is left alone.
 */
export async function applyDatabaseSettings(config: AppConfig, url: string): Promise<boolean> {
  if (!config.database.transactionPooler) return false;
  const name = databaseName(url);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const ms = config.database.statementTimeoutMs;
    await client.query(`ALTER DATABASE "${name}" SET statement_timeout = '${ms}ms'`);
    return true;
  } finally {
    await client.end();
  }
}
