import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger, QueryRunner } from 'typeorm';
import { DB_TARGET } from './replicas/tracked-connection';

/** Logs slow queries (with their duration) and failures; normal queries stay silent. */
export class QueryLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {}
  logSchemaBuild(): void {}

  logQuerySlow(time: number, query: string, _parameters?: unknown[], runner?: QueryRunner): void {
    this.logger.warn({
      msg: 'slow query',
      durationMs: time,
      target: targetOf(runner),
      query: truncate(query),
    });
  }

  logQueryError(error: string | Error, query: string, _parameters?: unknown[], runner?: QueryRunner): void {
    this.logger.warn({
      msg: 'query failed',
      err: error instanceof Error ? error.message : error,
      target: targetOf(runner),
      query: truncate(query),
    });
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}

function truncate(query: string): string {
  return query.length > 500 ? `${query.slice(0, 500)}…` : query;
}

/** "primary" or the replica's name (host:port/db, never credentials), when the router tracked it. */
function targetOf(runner?: QueryRunner): string | undefined {
  const connection = (runner as { databaseConnection?: Record<symbol, unknown> } | undefined)
    ?.databaseConnection;
  const target = connection?.[DB_TARGET];
  return typeof target === 'string' ? target : undefined;
}
