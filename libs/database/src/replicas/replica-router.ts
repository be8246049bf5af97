import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { BREAKER_FAMILIES, BREAKERS, InjectConfig, type AppConfig } from '@platform/config';
import { InjectRedis, type RedisClient } from '@platform/redis';
import { CircuitBreakerRegistry } from '@platform/resilience';
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
import { ReadRouter, type Acquired } from './read-router';
import { ReplicaNode, type ReplicaStatus } from './replica-node';
import { ReplicaProber } from './replica-prober';
import { WriteLsnStore } from './write-lsn.store';
import { WriteTracker } from './write-tracker';

/** The parts of TypeORM's PostgresDriver (1.1) that the router takes over. */
interface RoutedDriver {
  isReplicated: boolean;
  master?: Pool;
  obtainMasterConnection(): Promise<Acquired>;
  obtainSlaveConnection(): Promise<Acquired>;
}

/**
 * Read-replica routing under TypeORM. TypeORM already sends `find*` and select query builders to a
 * "slave" query runner and everything else (query(), transactions, writes) to the master; the router
 * replaces the driver's slave choice (random, no health) with: a replica in rotation that has replayed
 * the caller's last write, else the primary. It also wraps primary connections to record each caller's
 * write LSN after commit, counts statements per target, probes replicas, and reports pools and lag.
 * The router patches the driver and reports; the work is done by its parts: ReadRouter (where a read
 * runs), WriteTracker (write positions), ReplicaProber (probe rounds; the rule is replica-rotation.ts).
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
  private readonly writes: WriteTracker;
  private readonly reads: ReadRouter;
  private readonly prober: ReplicaProber;
  private removePoolSource?: () => void;
  private originalMaster?: () => Promise<Acquired>;

  constructor(
    @InjectConfig() config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRedis() redis: RedisClient,
    breakers: CircuitBreakerRegistry,
  ) {
    const db = config.database;
    this.primaryName = hostLabel(db.url);
    this.lsnStore = new WriteLsnStore(
      redis,
      config.redis.keyPrefix,
      db.readYourWritesTtlMs,
      breakers.get(BREAKERS.redisWriteLsn, { timeoutMs: 250, volumeThreshold: 5, resetTimeoutMs: 5_000 }),
    );
    this.replicas = db.replicaUrls.map((url, index) => {
      const name = uniqueName(hostLabel(url), index, db.replicaUrls);
      // The breaker outlives a pool acquire, so it never abandons a connection that arrives late.
      const breaker = breakers.get(`${BREAKER_FAMILIES.postgresReplica}${name}`, {
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
    this.writes = new WriteTracker(
      this.dataSource,
      this.lsnStore,
      this.routesReads,
      this.queries,
      this.logger,
    );
    this.reads = new ReadRouter(
      this.replicas,
      this.lsnStore,
      () => this.obtainPrimary(),
      { queries: this.queries, primaryReads: this.primaryReads, rotation: this.rotationGauge },
      this.logger,
    );
    this.prober = new ReplicaProber(
      db.url,
      this.replicas,
      db.replicaCheckIntervalMs,
      { lag: this.lagGauge, rotation: this.rotationGauge },
      this.logger,
    );
    this.attach();
  }

  onModuleInit(): void {
    poolConnectionsGauge();
    this.removePoolSource = addPoolSource(() => this.pools());
    if (this.replicas.length > 0) {
      this.prober.start();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.prober.stop();
    this.removePoolSource?.();
    await Promise.all([...this.replicas.map((r) => r.close()), this.prober.close()]);
  }

  /**
   * Marks the primary's current WAL position as the last write of each key (e.g. `user:<id>` for
   * the users a batch touched), so code running as those keys later (the worker, other callers)
   * reads only from replicas that have replayed it. Call after the write committed.
   */
  rememberWrite(keys: readonly string[]): Promise<void> {
    return this.writes.rememberWrite(keys);
  }

  /**
   * The primary's current WAL position: at or after every write committed so far, so a replica that
   * has replayed it has them all (a cache invalidation carries it to every instance).
   */
  writePosition(): Promise<bigint> {
    return this.writes.writePosition();
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
  probeAll(): Promise<void> {
    return this.prober.probeAll();
  }

  /** Takes over TypeORM's connection choice on this data source's driver. */
  private attach(): void {
    const driver = this.dataSource.driver as unknown as RoutedDriver;
    const originalMaster = driver.obtainMasterConnection.bind(driver);
    this.originalMaster = originalMaster;
    driver.obtainMasterConnection = async () => {
      const [client, release] = await originalMaster();
      return [this.writes.track(client), release];
    };
    driver.obtainSlaveConnection = () => this.reads.obtainReadConnection();
    // Select query builders ask for a "slave" runner only when the driver says it is replicated.
    driver.isReplicated = true;
  }

  private async obtainPrimary(): Promise<Acquired> {
    const [client, release] = await this.originalMaster!();
    return [this.writes.track(client), release];
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
