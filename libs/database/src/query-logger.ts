import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** Logs slow queries (with their duration) and failures; normal queries stay silent. */
export class QueryLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {}
  logSchemaBuild(): void {}

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ durationMs: time, query: truncate(query) }, 'slow query');
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.warn(
      { err: error instanceof Error ? error.message : error, query: truncate(query) },
      'query failed',
    );
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
