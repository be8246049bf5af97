import type { DataSource } from 'typeorm';

/** Oldest Postgres the platform supports (SQL features and the replica probe's functions). */
export const MINIMUM_POSTGRES_VERSION_NUM = 140000;

export class UnsupportedPostgresError extends Error {
  constructor(version: string) {
    super(`Postgres ${version} is too old: the platform needs PostgreSQL >= 14`);
    this.name = 'UnsupportedPostgresError';
  }
}

/** Throws UnsupportedPostgresError on a server older than 14. */
export async function assertPostgresVersion(dataSource: DataSource): Promise<void> {
  const [row] = await dataSource.query<Array<{ num: string; version: string }>>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version",
  );
  if (Number(row.num) < MINIMUM_POSTGRES_VERSION_NUM) throw new UnsupportedPostgresError(row.version);
}
