import type { Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Counter, Gauge } from 'prom-client';
import { currentConsistency, type ConsistencyState } from './consistency-context';
import type { ReplicaNode } from './replica-node';
import { trackReplica } from './tracked-connection';
import type { WriteLsnStore } from './write-lsn.store';

/** A pooled connection and its release, as TypeORM's PostgresDriver hands them out. */
export type Acquired = [PoolClient, (error?: Error) => void];
type AcquireOutcome = { client: PoolClient } | { busy: Error } | { failed: Error };

const POOL_TIMEOUT = /timeout exceeded when trying to connect/i;

export interface ReadRouterMetrics {
  queries: Counter<'target'>;
  primaryReads: Counter<'reason'>;
  rotation: Gauge<'replica'>;
}

/**
 * Chooses where a read runs: a replica in rotation that has replayed the caller's last write and the
 * scope's floor (a cache invalidation's position), round robin among those, else the primary (counted
 * by reason). A replica whose acquire or query fails leaves rotation at once and the read is retried
 * on the primary.
 */
export class ReadRouter {
  private nextReplica = 0;

  constructor(
    private readonly replicas: readonly ReplicaNode[],
    private readonly lsnStore: WriteLsnStore,
    /** A tracked primary connection: reads that no replica may serve, and retries of failed ones. */
    private readonly obtainPrimary: () => Promise<Acquired>,
    private readonly metrics: ReadRouterMetrics,
    /** The router's: its lines keep the context operators filter on, whichever part logs them. */
    private readonly logger: Logger,
  ) {}

  async obtainReadConnection(): Promise<Acquired> {
    const replica = await this.chooseReplica(currentConsistency());
    if (!replica) return this.obtainPrimary();
    const outcome: AcquireOutcome = await replica.breaker
      .execute<AcquireOutcome>(async () => {
        try {
          return { client: await replica.acquire() };
        } catch (error) {
          // An exhausted pool is load, not a broken replica: answer it without tripping the breaker.
          if (POOL_TIMEOUT.test((error as Error).message)) return { busy: error as Error };
          throw error;
        }
      })
      .catch((error: unknown) => ({ failed: error as Error }));
    if ('busy' in outcome) throw outcome.busy;
    if ('failed' in outcome) {
      replica.markFailed(outcome.failed);
      this.metrics.rotation.set({ replica: replica.name }, 0);
      this.metrics.primaryReads.inc({ reason: 'replica_failed' });
      return this.obtainPrimary();
    }
    const client = outcome.client;
    const tracked = trackReplica(client, {
      target: replica.name,
      onQuery: () => this.metrics.queries.inc({ target: replica.name }),
      onFailure: async (error, sql, params) => {
        replica.markFailed(error);
        this.metrics.rotation.set({ replica: replica.name }, 0);
        this.metrics.primaryReads.inc({ reason: 'replica_failed' });
        this.logger.warn({
          msg: 'read failed on replica; retried on primary',
          replica: replica.name,
          err: error.message,
        });
        const [primary, release] = await this.obtainPrimary();
        try {
          return await primary.query(sql, params);
        } finally {
          release();
        }
      },
    });
    return [tracked, (error?: Error) => client.release(error)];
  }

  /** A replica for this read, or undefined for the primary (counting why, when replicas exist). */
  private async chooseReplica(state: ConsistencyState | undefined): Promise<ReplicaNode | undefined> {
    if (this.replicas.length === 0) return undefined;
    if (state?.primaryOnly) return this.toPrimary('primary_requested');
    const inRotation = this.replicas.filter((r) => r.inRotation);
    if (inRotation.length === 0) return this.toPrimary('no_replica_in_rotation');
    let candidates = inRotation;
    if (state?.callerKey) {
      const loaded = await this.loadRequiredLsn(state);
      if (!loaded) return this.toPrimary('lsn_unknown');
      const required = state.requiredLsn;
      if (required !== undefined) candidates = inRotation.filter((r) => r.hasReplayed(required));
      if (candidates.length === 0) return this.toPrimary('replicas_behind');
    }
    const floor = state?.floorLsn;
    if (floor !== undefined) {
      candidates = candidates.filter((r) => r.hasReplayed(floor));
      if (candidates.length === 0) return this.toPrimary('replicas_behind_invalidation');
    }
    this.nextReplica = (this.nextReplica + 1) % candidates.length;
    return candidates[this.nextReplica];
  }

  private toPrimary(reason: string): undefined {
    this.metrics.primaryReads.inc({ reason });
    return undefined;
  }

  /** Loads the caller's write mark once per context; false when the store could not answer. */
  private async loadRequiredLsn(state: ConsistencyState): Promise<boolean> {
    state.lsnLoad ??= this.lsnStore.load(state.callerKey!).then((lsn) => {
      if (lsn !== undefined && (state.requiredLsn === undefined || lsn > state.requiredLsn)) {
        state.requiredLsn = lsn;
      }
    });
    try {
      await state.lsnLoad;
      return true;
    } catch {
      return false;
    }
  }
}
