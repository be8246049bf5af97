import { sharedMetric } from '@platform/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/** What the scrape-time gauges read: each live queue registry (two may share a test process). */
export interface QueueCountsSource {
  counts(): Promise<Array<{ queue: string; counts: Record<string, number> }>>;
}
export interface OutboxPendingSource {
  pendingCount(): Promise<number>;
}

const countSources = new Set<QueueCountsSource>();
const outboxSources = new Set<OutboxPendingSource>();

export function addQueueCountsSource(source: QueueCountsSource): () => void {
  countSources.add(source);
  queueJobsGauge();
  return () => countSources.delete(source);
}

export function addOutboxPendingSource(source: OutboxPendingSource): () => void {
  outboxSources.add(source);
  outboxPendingGauge();
  return () => outboxSources.delete(source);
}

/** `queue_jobs{queue,state}`: read from Redis when Prometheus scrapes, so it is never stale. */
export function queueJobsGauge(): Gauge<'queue' | 'state'> {
  return sharedMetric(
    'queue_jobs',
    () =>
      new Gauge({
        name: 'queue_jobs',
        // Every process reports the same shared state: with API_PROCESSES > 1 the cluster-wide
        // /metrics must show it once (max), not summed across processes.
        aggregator: 'max',
        help: 'Jobs per queue and state (waiting, prioritized, active, delayed, waiting-children, completed, failed), read at scrape time',
        labelNames: ['queue', 'state'],
        async collect() {
          this.reset();
          for (const source of countSources) {
            try {
              for (const { queue, counts } of await source.counts()) {
                for (const [state, value] of Object.entries(counts)) this.set({ queue, state }, value);
              }
            } catch {
              // Redis down: the series disappear for this scrape rather than report stale numbers.
            }
          }
        },
      }),
  );
}

export function outboxPendingGauge(): Gauge {
  return sharedMetric(
    'outbox_pending',
    () =>
      new Gauge({
        name: 'outbox_pending',
        // Every process reports the same shared state: with API_PROCESSES > 1 the cluster-wide
        // /metrics must show it once (max), not summed across processes.
        aggregator: 'max',
        help: 'Outbox rows not yet enqueued (grows while Redis is unreachable), read at scrape time',
        async collect() {
          let total = 0;
          for (const source of outboxSources) {
            try {
              total += await source.pendingCount();
            } catch {
              // Postgres unreachable: reset rather than keep a stale number an alert could fire on.
              this.reset();
              return;
            }
          }
          this.set(total);
        },
      }),
  );
}

export function jobDurationHistogram(): Histogram<'queue' | 'name' | 'status'> {
  return sharedMetric(
    'queue_job_duration_seconds',
    () =>
      new Histogram({
        name: 'queue_job_duration_seconds',
        help: 'Time a job try spent in its handler, by queue, job name and outcome (completed, failed, timeout, returned)',
        labelNames: ['queue', 'name', 'status'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      }),
  );
}

export function backpressureRejections(): Counter<'queue'> {
  return sharedMetric(
    'queue_backpressure_rejections_total',
    () =>
      new Counter({
        name: 'queue_backpressure_rejections_total',
        help: 'Jobs refused because their queue was over its high-water mark',
        labelNames: ['queue'],
      }),
  );
}

/** What the Redis memory gauges read: the guard's last reading, refreshed when older than its window. */
export interface MemorySource {
  refresh(): Promise<void>;
  readonly lastReading: { usedBytes: number; maxBytes: number } | undefined;
}
const memorySources = new Set<MemorySource>();

export function addMemorySource(source: MemorySource): () => void {
  memorySources.add(source);
  redisMemoryGauges();
  return () => memorySources.delete(source);
}

/**
 * `redis_memory_used_bytes` and `redis_memory_max_bytes` (0: no maxmemory), as the memory guard last
 * read them (INFO memory, at most once a second). No labels: one Redis (on a cluster, its fullest master).
 */
export function redisMemoryGauges(): { used: Gauge; max: Gauge } {
  const gauge = (name: string, help: string, pick: (r: { usedBytes: number; maxBytes: number }) => number) =>
    sharedMetric(
      name,
      () =>
        new Gauge({
          name,
          help,
          // Every process reads the same server: shown once (max), not summed across processes.
          aggregator: 'max',
          async collect() {
            this.reset();
            for (const source of memorySources) {
              await source.refresh();
              if (source.lastReading) this.set(pick(source.lastReading));
            }
          },
        }),
    );
  return {
    used: gauge(
      'redis_memory_used_bytes',
      'Redis used_memory as the job memory guard last read it',
      (r) => r.usedBytes,
    ),
    max: gauge('redis_memory_max_bytes', 'Redis maxmemory (0: none, so no memory guard)', (r) => r.maxBytes),
  };
}

export function memoryGuardRejections(): Counter {
  return sharedMetric(
    'redis_memory_guard_rejections_total',
    () =>
      new Counter({
        name: 'redis_memory_guard_rejections_total',
        help: 'Jobs refused (503 redis_memory_high) because Redis used_memory was over the guard threshold',
      }),
  );
}
