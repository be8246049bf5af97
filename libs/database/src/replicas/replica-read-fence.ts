import { Injectable, Logger } from '@nestjs/common';
import type { ReadFence } from '@platform/cache';
import { InjectConfig, type AppConfig } from '@platform/config';
import { readAtLeast } from './consistency-context';
import { lsnSortKey, parseLsnSortKey } from './lsn';
import { ReplicaRouter } from './replica-router';

/** Past any WAL position: no replica has replayed it, so reads wait for nothing but the primary. */
const PRIMARY_ONLY = 'f'.repeat(16);

/**
 * The tiered cache's read fence on Postgres: an invalidation carries the primary's WAL position, and
 * a reload of what it dropped reads only from a replica that has replayed it (else the primary),
 * through the router's consistency scope. Without replicas there is no position to carry.
 */
@Injectable()
export class ReplicaReadFence implements ReadFence {
  private readonly logger = new Logger('ReplicaReadFence');
  /**
   * As long as read-your-writes marks live, and never shorter than the lag that keeps a replica in
   * rotation: a replica still behind the position after that is no longer read at all.
   */
  readonly retainMs: number;

  constructor(
    private readonly router: ReplicaRouter,
    @InjectConfig() config: AppConfig,
  ) {
    this.retainMs = Math.max(config.database.readYourWritesTtlMs, config.database.maxReplicaLagMs);
  }

  async position(): Promise<string | undefined> {
    if (!this.router.routesReads) return undefined;
    try {
      return lsnSortKey(await this.router.writePosition());
    } catch (error) {
      // The write this invalidation follows may be one no replica has: reload from the primary.
      this.logger.warn({
        msg: 'WAL position unknown; reloads go to the primary',
        err: (error as Error).message,
      });
      return PRIMARY_ONLY;
    }
  }

  readAtLeast<T>(position: string, load: () => Promise<T>): Promise<T> {
    return readAtLeast(parseLsnSortKey(position), load);
  }
}
