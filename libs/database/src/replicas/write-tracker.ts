import type { Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import { currentConsistency, readFromPrimary, updateScopes } from './consistency-context';
import { parseLsn } from './lsn';
import { trackPrimary } from './tracked-connection';
import type { WriteLsnStore } from './write-lsn.store';

/**
 * Records write positions for read-your-writes: after a write commits on a primary connection, the
 * position is kept in the current consistency scope (this context's later reads) and in the store
 * under the caller's key (other contexts and instances). Also counts primary statements.
 */
export class WriteTracker {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lsnStore: WriteLsnStore,
    /** False without replicas: every read sees every committed write, so there is nothing to record. */
    private readonly routesReads: boolean,
    private readonly queries: Counter<'target'>,
    /** The router's: its lines keep the context operators filter on, whichever part logs them. */
    private readonly logger: Logger,
  ) {}

  /** Wraps a primary connection so its committed writes are recorded. */
  track(client: PoolClient): PoolClient {
    return trackPrimary(client, {
      target: 'primary',
      onQuery: () => this.queries.inc({ target: 'primary' }),
      onCommittedWrite: async (readLsn) => {
        const state = currentConsistency();
        if (!state || !this.routesReads) return;
        // No caller to remember it for: keep this scope's later reads on the primary (no LSN needed).
        if (!state.callerKey) {
          updateScopes(state, (scope) => (scope.primaryOnly = true));
          return;
        }
        const lsn = parseLsn(await readLsn());
        updateScopes(state, (scope) => {
          if (scope.requiredLsn === undefined || lsn > scope.requiredLsn) scope.requiredLsn = lsn;
          scope.lsnLoad ??= Promise.resolve();
        });
        try {
          await this.lsnStore.record(state.callerKey, lsn);
        } catch (error) {
          this.logger.warn({
            msg: 'could not record the write position in Redis; other instances may read stale data for this caller',
            err: (error as Error).message,
          });
        }
      },
    });
  }

  /** See ReplicaRouter.rememberWrite. */
  async rememberWrite(keys: readonly string[]): Promise<void> {
    if (keys.length === 0 || !this.routesReads) return;
    const lsn = await this.writePosition();
    await Promise.all(keys.map((key) => this.lsnStore.record(key, lsn)));
  }

  /** See ReplicaRouter.writePosition. */
  async writePosition(): Promise<bigint> {
    const [row] = await readFromPrimary(() =>
      this.dataSource.query<Array<{ lsn: string }>>('SELECT pg_current_wal_lsn()::text AS lsn'),
    );
    return parseLsn(row.lsn);
  }
}
