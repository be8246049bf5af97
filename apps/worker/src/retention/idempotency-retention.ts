import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** How long a POST /v1/events Idempotency-Key is remembered (clients retry within minutes). */
const KEEP_HOURS = 24;
const BATCH = 5_000;
const EVERY_MS = 3_600_000;

/**
 * Deletes remembered idempotency keys older than a day, in bounded batches so a large backlog never
 * holds long locks. Several workers may run it side by side: each batch only deletes what it finds.
 */
@Injectable()
export class IdempotencyRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('IdempotencyRetention');
  private timer?: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pruneOnce().catch(() => 0), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Deletes expired keys until none is left; returns how many. */
  async pruneOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const [, deleted] = await this.dataSource.query<[unknown, number]>(
        `DELETE FROM event_requests WHERE ctid IN (
           SELECT ctid FROM event_requests WHERE created_at < now() - make_interval(hours => $1) LIMIT $2)`,
        [KEEP_HOURS, BATCH],
      );
      total += deleted ?? 0;
      if ((deleted ?? 0) < BATCH) break;
    }
    if (total > 0) this.logger.log({ deleted: total }, 'expired idempotency keys deleted');
    return total;
  }
}
