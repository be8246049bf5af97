import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';

/** Rows deleted per statement: a large backlog never holds long locks or a long transaction. */
const BATCH = 5_000;
const EVERY_MS = 3_600_000;

interface RetentionRule {
  table: 'event_requests' | 'user_events';
  /** The row's age: an indexed timestamp column (user_events' is a BRIN index, cheap to keep). */
  column: 'created_at' | 'occurred_at';
  keepHours: number;
}

/**
 * Deletes rows past their retention, hourly, in bounded batches: remembered POST /v1/events
 * Idempotency-Keys after a day (clients retry within minutes), user events after
 * USER_EVENTS_RETENTION_DAYS (90 by default; 0 keeps them forever; recommendations weigh old events
 * almost nothing after decay anyway). Several workers may run it side by side: each batch only deletes
 * what it finds.
 */
@Injectable()
export class DataRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DataRetention');
  private readonly rules: RetentionRule[];
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() config: AppConfig,
  ) {
    this.rules = [{ table: 'event_requests', column: 'created_at', keepHours: 24 }];
    const eventDays = config.retention.userEventsDays;
    if (eventDays > 0)
      this.rules.push({ table: 'user_events', column: 'occurred_at', keepHours: eventDays * 24 });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pruneOnce().catch(() => undefined), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Deletes every expired row of every rule; returns how many per table. */
  async pruneOnce(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const rule of this.rules) {
      deleted[rule.table] = await this.prune(rule);
      if (deleted[rule.table] > 0)
        this.logger.log({ table: rule.table, deleted: deleted[rule.table] }, 'expired rows deleted');
    }
    return deleted;
  }

  private async prune({ table, column, keepHours }: RetentionRule): Promise<number> {
    let total = 0;
    for (;;) {
      // Table and column come from the rules above, never from input.
      const [, deleted] = await this.dataSource.query<[unknown, number]>(
        `DELETE FROM ${table} WHERE ctid IN (
           SELECT ctid FROM ${table} WHERE ${column} < now() - make_interval(hours => $1) LIMIT $2)`,
        [keepHours, BATCH],
      );
      total += deleted ?? 0;
      if ((deleted ?? 0) < BATCH) return total;
    }
  }
}
