import { sharedMetric } from '@platform/observability';
import { Counter, Gauge } from 'prom-client';

export interface PoolCounts {
  total: number;
  idle: number;
  waiting: number;
}

/** Something that can report its pools at scrape time (one per running app; tests may run two). */
export type PoolSource = () => Array<{ host: string; counts: PoolCounts }>;

const poolSources = new Set<PoolSource>();

export function addPoolSource(source: PoolSource): () => void {
  poolSources.add(source);
  return () => poolSources.delete(source);
}

export function poolConnectionsGauge(): Gauge<'host' | 'state'> {
  return sharedMetric(
    'db_pool_connections',
    () =>
      new Gauge({
        name: 'db_pool_connections',
        help: 'Connections of each Postgres pool: total, idle, and callers waiting for one',
        labelNames: ['host', 'state'],
        collect() {
          this.reset();
          const sums = new Map<string, PoolCounts>();
          for (const source of poolSources) {
            for (const { host, counts } of source()) {
              const sum = sums.get(host) ?? { total: 0, idle: 0, waiting: 0 };
              sum.total += counts.total;
              sum.idle += counts.idle;
              sum.waiting += counts.waiting;
              sums.set(host, sum);
            }
          }
          for (const [host, counts] of sums) {
            this.set({ host, state: 'total' }, counts.total);
            this.set({ host, state: 'idle' }, counts.idle);
            this.set({ host, state: 'waiting' }, counts.waiting);
          }
        },
      }),
  );
}

export function queriesCounter(): Counter<'target'> {
  return sharedMetric(
    'db_queries_total',
    () =>
      new Counter({
        name: 'db_queries_total',
        help: 'Statements sent to Postgres, by target: primary or the replica name',
        labelNames: ['target'],
      }),
  );
}

export function replicaLagGauge(): Gauge<'replica'> {
  return sharedMetric(
    'db_replica_lag_seconds',
    () =>
      new Gauge({
        name: 'db_replica_lag_seconds',
        // Every process reports the same shared state: with API_PROCESSES > 1 the cluster-wide
        // /metrics must show it once (max), not summed across processes.
        aggregator: 'max',
        help: 'Replay lag of each replica at its last probe (0 when it has replayed all it received)',
        labelNames: ['replica'],
      }),
  );
}

export function replicaInRotationGauge(): Gauge<'replica'> {
  return sharedMetric(
    'db_replica_in_rotation',
    () =>
      new Gauge({
        name: 'db_replica_in_rotation',
        // Every process reports the same shared state: with API_PROCESSES > 1 the cluster-wide
        // /metrics must show it once (max), not summed across processes.
        aggregator: 'max',
        help: '1 while the replica serves reads, 0 while it is out of rotation (down, lagging, breaker open)',
        labelNames: ['replica'],
      }),
  );
}

/**
 * Reads that a replica could have served but went to the primary. reason: replicas_behind (none had
 * replayed the caller's last write), replicas_behind_invalidation (none had replayed the write behind a
 * cache invalidation being reloaded), no_replica_in_rotation, replica_failed (acquire or query failed
 * and was retried on the primary), lsn_unknown (the write mark could not be read), primary_requested.
 */
export function primaryReadsCounter(): Counter<'reason'> {
  return sharedMetric(
    'db_reads_on_primary_total',
    () =>
      new Counter({
        name: 'db_reads_on_primary_total',
        help: 'Reads sent to the primary although replicas are configured, by reason',
        labelNames: ['reason'],
      }),
  );
}
