import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Pings the primary through the app's own pool, and reports that pool's usage. */
@Injectable()
export class PostgresHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  ping(key = 'postgres', timeoutMs = 1_000) {
    return this.health
      .check(key)
      .attempt(async () => {
        if (!this.dataSource.isInitialized) throw new Error('not connected');
        await this.dataSource.query('SELECT 1');
        return { pool: this.poolCounts() };
      })
      .withTimeout(timeoutMs);
  }

  /** total / idle / waiting of the primary's pg pool. */
  poolCounts(): { total: number; idle: number; waiting: number } | undefined {
    const pool = (this.dataSource.driver as unknown as { master?: PgPoolCounts }).master;
    if (!pool) return undefined;
    return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
  }
}
