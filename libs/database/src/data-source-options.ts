import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@platform/config';
import { QueryLogger } from './query-logger';
import { ENTITIES, MIGRATIONS } from './schema';

export type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/**
 * Connection settings for one Postgres host. The pool is fixed-size; acquiring a connection waits at
 * most `acquireTimeoutMs` (pg-pool fails the waiter after that, so an exhausted pool answers fast
 * instead of hanging), and every connection carries the statement timeout: as a startup parameter on
 * a direct connection, or, through a transaction pooler (which refuses startup parameters), as the
 * database's own setting that migrate applies (see applyDatabaseSettings).
 */
export function postgresOptions(
  config: AppConfig,
  url: string = config.database.url,
  applicationName = 'platform',
): PostgresOptions {
  const db = config.database;
  const pooled = db.transactionPooler && db.hostUrls.includes(url);
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
      ...(pooled ? {} : { statement_timeout: db.statementTimeoutMs }),
    },
  };
}
