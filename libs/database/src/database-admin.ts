import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@platform/config';
import { postgresOptions } from './data-source-options';

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

/** Applies pending migrations (each in its own transaction); returns the names applied. */
export async function runMigrations(config: AppConfig): Promise<string[]> {
  const dataSource = new DataSource({
    ...postgresOptions(config, config.database.url, 'platform-migrate'),
    poolSize: 2,
  });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
