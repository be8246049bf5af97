import type { WorkerOptions } from 'bullmq';
import type { AppConfig } from '@platform/config';
import { bullmqTelemetry } from '@platform/observability';
import type { RedisClient } from '@platform/redis';
import type { QueueSettings } from '../queue-definitions';
import { bullPrefix } from '../queue-registry';

/**
 * The options @nestjs/bullmq creates a queue's worker with (they are spread over the registered
 * queue's own options, so everything that must differ from the producer side is named here).
 */
export function workerOptions(
  settings: QueueSettings,
  config: Pick<AppConfig, 'redis' | 'queue'>,
  connection: RedisClient,
): WorkerOptions {
  return {
    // The worker connection (maxRetriesPerRequest null: blocking commands, waits through outages),
    // never the registered queue's fail-fast producer connection the explorer would otherwise reuse.
    connection,
    prefix: bullPrefix(config),
    telemetry: bullmqTelemetry(),
    // Created paused: QueueWorkers starts it once Redis and Postgres both answer.
    autorun: false,
    concurrency: settings.concurrency,
    lockDuration: config.queue.stalledIntervalMs,
    stalledInterval: config.queue.stalledIntervalMs,
    maxStalledCount: 1,
    // The finished-jobs counter the producers' backpressure derives its drain rate from.
    metrics: { maxDataPoints: 24 * 60 },
    removeOnComplete: {
      count: settings.retention.completed.count,
      age: settings.retention.completed.ageSeconds,
    },
    removeOnFail: { count: settings.retention.failed.count, age: settings.retention.failed.ageSeconds },
  };
}
