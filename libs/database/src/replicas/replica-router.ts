import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';
import { InjectRedis, type RedisClient } from '@platform/redis';
import { CircuitBreakerRegistry } from '@platform/resilience';
import {
  currentConsistency,
  readFromPrimary,
  updateScopes,
  type ConsistencyState,
} from './consistency-context';
import {
  addPoolSource,
  poolConnectionsGauge,
  primaryReadsCounter,
  queriesCounter,
  replicaInRotationGauge,
  replicaLagGauge,
  type PoolCounts,
} from './db-metrics';
import { hostLabel } from './host-label';
import { parseLsn } from './lsn';
import { ProbeConnection } from './probe-connection';
import { ReplicaNode, type ReplicaStatus } from './replica-node';
import { trackPrimary, trackReplica } from './tracked-connection';
import { WriteLsnStore } from './write-lsn.store';

type Acquired = [PoolClient, (error?: Error) => void];
type AcquireOutcome = { client: PoolClient } | { busy: Error } | { failed: Error };

/** The parts of TypeORM's PostgresDriver (1.1) that the router takes over. */
interface RoutedDriver {
  isReplicated: boolean;
  master?: Pool;
  obtainMasterConnection(): Promise<Acquired>;
  obtainSlaveConnection(): Promise<Acquired>;
}

const POOL_TIMEOUT = /timeout exceeded when trying to connect/i;

/**
 * Read-replica routing under TypeORM. TypeORM already sends `find*` and select query builders to a
 * "slave" query runner and everything else (query(), transactions, writes) to the master; the router
 * replaces the driver's slave choice (random, no health) with: a replica in rotation that has replayed
 * the caller's last write, else the primary. It also wraps primary connections to record each caller's
 * write LSN after commit, counts statements per target, probes replicas, and reports pools and lag.
 */
@Injectable()
export class ReplicaRouter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ReplicaRouter');
  private readonly replicas: ReplicaNode[];
  private readonly lsnStore: WriteLsnStore;
  private readonly primaryName: string;
  private readonly queries = queriesCounter();
  private readonly primaryReads = primaryReadsCounter();
  private readonly lagGauge = replicaLagGauge();
  private readonly rotationGauge = replicaInRotationGauge();
  private probeTimer?: NodeJS.Timeout;
  private probing = false;
  private nextReplica = 0;
  private removePoolSource?: () => void;
  private originalMaster?: () => Promise<Acquired>;
  private readonly primaryProbe: ProbeConnection;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRedis() redis: RedisClient,
    breakers: CircuitBreakerRegistry,
  ) {
    const db = config.database;
    this.primaryName = hostLabel(db.url);
    this.primaryProbe = new ProbeConnection(db.url, 'platform-probe');
    this.lsnStore = new WriteLsnStore(
      redis,
      config.redis.keyPrefix,
      db.readYourWritesTtlMs,
      breakers.get('redis-write-lsn', { timeoutMs: 250, volumeThreshold: 5, resetTimeoutMs: 5_000 }),
    );
    this.replicas = db.replicaUrls.map((url, index) => {
      const name = uniqueName(hostLabel(url), index, db.replicaUrls);
      // The breaker outlives a pool acquire, so it never abandons a connection that arrives late.
      const breaker = breakers.get(`postgres-replica:${name}`, {
        timeoutMs: db.acquireTimeoutMs * 2 + 1_000,
        volumeThreshold: 3,
        resetTimeoutMs: Math.max(2_000, db.replicaCheckIntervalMs * 2),
      });
      return new ReplicaNode(
        {
          url,
          name,
          poolSize: db.poolSize,
          acquireTimeoutMs: db.acquireTimeoutMs,
          idleTimeoutMs: db.idleTimeoutMs,
          statementTimeoutMs: db.statementTimeoutMs,
          applicationName: 'platform-read',
        },
        breaker,
        db.maxReplicaLagMs,
        db.maxReplicaLagBytes,
      );
    });
    this.attach();
  }

  onModuleInit(): void {
    poolConnectionsGauge();
    this.removePoolSource = addPoolSource(() => this.pools());
    if (this.replicas.length > 0) {
      void this.probeAll();
      this.probeTimer = setInterval(() => void this.probeAll(), this.config.database.replicaCheckIntervalMs);
      this.probeTimer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.probeTimer);
    this.removePoolSource?.();
    await Promise.all([...this.replicas.map((r) => r.close()), this.primaryProbe.close()]);
  }

  /**
   * Marks the primary's current WAL position as the last write of each key (e.g. `user:<id>` for
   * the users a batch touched), so code running as those keys later (the worker, other callers)
   * reads only from replicas that have replayed it. Call after the write committed.
   */
  async rememberWrite(keys: readonly string[]): Promise<void> {
    if (keys.length === 0 || !this.routesReads) return;
    const lsn = await this.writePosition();
    await Promise.all(keys.map((key) => this.lsnStore.record(key, lsn)));
  }

  /**
   * The primary's current WAL position: at or after every write committed so far, so a replica that
   * has replayed it has them all (a cache invalidation carries it to every instance).
   */
  async writePosition(): Promise<bigint> {
    const [row] = await readFromPrimary(() =>
      this.dataSource.query<Array<{ lsn: string }>>('SELECT pg_current_wal_lsn()::text AS lsn'),
    );
    return parseLsn(row.lsn);
  }

  /**
   * Whether reads can go anywhere but the primary. Without replicas every read sees every committed
   * write, so no write position needs to be read, stored or compared: callers skip that bookkeeping.
   */
  get routesReads(): boolean {
    return this.replicas.length > 0;
  }

  /** Primary and replicas as /health/detailed and operators see them. */
  status(): { primary: { host: string; pool?: PoolCounts }; replicas: ReplicaStatus[] } {
    return {
      primary: { host: this.primaryName, pool: this.primaryPoolCounts() },
      replicas: this.replicas.map((r) => ({ ...r.status(), pool: counts(r.pool) })),
    };
  }

  /** Runs one probe round now (tests and the interval use it). */
  async probeAll(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      // Not shorter than a second: on a loaded host a slow answer is not a dead replica.
      const timeoutMs = Math.min(5_000, Math.max(1_000, this.config.database.replicaCheckIntervalMs));
      const primaryLsn = await this.primaryProbe
        .query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn', timeoutMs)
        .then((rows) => parseLsn(rows[0].lsn))
        .catch(() => undefined);
      await Promise.all(this.replicas.map((r) => this.probeOne(r, timeoutMs, primaryLsn)));
    } finally {
      this.probing = false;
    }
  }

  private async probeOne(replica: ReplicaNode, timeoutMs: number, primaryLsn?: bigint): Promise<void> {
    const wasInRotation = replica.inRotation;
    await replica.probe(timeoutMs, primaryLsn);
    if (replica.lagMs !== undefined && replica.reachable) {
      this.lagGauge.set({ replica: replica.name }, replica.lagMs / 1000);
    }
    this.rotationGauge.set({ replica: replica.name }, replica.inRotation ? 1 : 0);
    if (wasInRotation !== replica.inRotation) {
      if (replica.inRotation) this.logger.log({ msg: 'replica back in rotation', replica: replica.name });
      else this.logger.warn({ msg: 'replica left rotation', replica: replica.name, reason: replica.reason });
    }
  }

  /** Takes over TypeORM's connection choice on this data source's driver. */
  private attach(): void {
    const driver = this.dataSource.driver as unknown as RoutedDriver;
    const originalMaster = driver.obtainMasterConnection.bind(driver);
    this.originalMaster = originalMaster;
    driver.obtainMasterConnection = async () => {
      const [client, release] = await originalMaster();
      return [this.trackPrimaryClient(client), release];
    };
    driver.obtainSlaveConnection = () => this.obtainReadConnection();
    // Select query builders ask for a "slave" runner only when the driver says it is replicated.
    driver.isReplicated = true;
  }

  private trackPrimaryClient(client: PoolClient): PoolClient {
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

  private async obtainPrimary(): Promise<Acquired> {
    const [client, release] = await this.originalMaster!();
    return [this.trackPrimaryClient(client), release];
  }

  private async obtainReadConnection(): Promise<Acquired> {
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
      this.rotationGauge.set({ replica: replica.name }, 0);
      this.primaryReads.inc({ reason: 'replica_failed' });
      return this.obtainPrimary();
    }
    const client = outcome.client;
    const tracked = trackReplica(client, {
      target: replica.name,
      onQuery: () => this.queries.inc({ target: replica.name }),
      onFailure: async (error, sql, params) => {
        replica.markFailed(error);
        this.rotationGauge.set({ replica: replica.name }, 0);
        this.primaryReads.inc({ reason: 'replica_failed' });
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
    this.primaryReads.inc({ reason });
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

  private pools(): Array<{ host: string; counts: PoolCounts }> {
    const list: Array<{ host: string; counts: PoolCounts }> = [];
    const primary = this.primaryPoolCounts();
    if (primary) list.push({ host: this.primaryName, counts: primary });
    for (const r of this.replicas) list.push({ host: r.name, counts: counts(r.pool) });
    return list;
  }

  private primaryPoolCounts(): PoolCounts | undefined {
    const pool = (this.dataSource.driver as unknown as RoutedDriver).master;
    return pool ? counts(pool) : undefined;
  }
}

function counts(pool: Pool): PoolCounts {
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

function uniqueName(label: string, index: number, urls: string[]): string {
  const duplicates = urls.filter((u) => hostLabel(u) === label).length;
  return duplicates > 1 ? `${label}#${index + 1}` : label;
}
