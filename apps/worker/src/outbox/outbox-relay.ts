import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';
import { Outbox, producerTimeoutMs, pruneProcessedJobs } from '@platform/queue';

/** Dispatched outbox rows are kept this long (audit, GET /v1/jobs/:id ownership), then pruned. */
const KEEP_DISPATCHED_DAYS = 7;

/**
 * Enqueues outbox rows that eager dispatch could not (Redis was down, or the API died between
 * commit and enqueue): every OUTBOX_RELAY_INTERVAL_MS, batches of OUTBOX_RELAY_BATCH, oldest first,
 * claimed with FOR UPDATE SKIP LOCKED so several workers relay side by side without doubles.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private lastPrune = 0;
  /** Rows younger than this are still in their eager dispatch (which gives up after ~2 s). */
  private readonly graceMs: number;

  constructor(
    private readonly outbox: Outbox,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.graceMs = producerTimeoutMs(config) + 1_000;
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: keeps dispatching full batches until the backlog is gone. */
  async relayOnce(): Promise<number> {
    const batch = this.config.queue.outboxRelayBatch;
    let total = 0;
    for (;;) {
      const n = await this.outbox.dispatchPending(batch, this.graceMs);
      total += n;
      if (n < batch || this.stopped) break;
    }
    if (total > 0) this.logger.log({ dispatched: total }, 'outbox rows enqueued by the relay');
    if (Date.now() - this.lastPrune > 3_600_000) {
      this.lastPrune = Date.now();
      await this.prune().catch(() => undefined);
    }
    return total;
  }

  /**
   * Dispatched rows, then the once-only marks of jobs as old (past every queue's retention, so they
   * cannot run again): both are kept as long, for the same reason.
   */
  private async prune(): Promise<void> {
    await this.outbox.prune(KEEP_DISPATCHED_DAYS);
    await pruneProcessedJobs(this.dataSource, KEEP_DISPATCHED_DAYS);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.relayOnce()
        .then(() => undefined)
        .catch((err: Error) => this.logger.warn({ err: err.message }, 'relay pass failed'))
        .finally(() => this.schedule());
    }, this.config.queue.outboxRelayIntervalMs);
  }
}
