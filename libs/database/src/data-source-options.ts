import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@platform/config';
import { QueryLogger } from './query-logger';
import { ENTITIES, MIGRATIONS } from './schema';

export type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/**
 * Connection settings for one Postgres host. The pool is fixed-size; acquiring a connection waits at
 * most `acquireTimeoutMs` (pg-pool fails the waiter after that, so an exhausted pool answers fast
 * instead of hanging), and every connection carries the statement timeout.
 */
export function postgresOptions(
  config: AppConfig,
  url: string = config.database.url,
  applicationName = 'platform',
): PostgresOptions {
  const db = config.database;
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    poolSize: db.poolSize,
    connectTimeoutMS: db.acquireTimeoutMs,
    applicationName,
    maxQueryExecutionTime: db.slowQueryMs,
    logger: new QueryLogger(),
    extra: {
      idleTimeoutMillis: db.idleTimeoutMs,
      statement_timeout: db.statementTimeoutMs,
    },
  };
}
