import { QUEUE_NAMES, type AppConfig, type QueueName } from '@platform/config';
import type { PriorityClass } from './priorities';

/**
 * Every queue the platform runs, in one record. A queue missing any setting does not compile, and
 * processors, producers, metrics, health and Bull Board all read this record. The names live in
 * @platform/config, which checks QUEUE_OVERRIDES against them at boot.
 */
export { QUEUE_NAMES, type QueueName };

export interface QueueSettings {
  /** Jobs one worker process runs at once on this queue. */
  concurrency: number;
  /** Used when neither the producer nor the caller's tier names a class. */
  defaultPriority: PriorityClass;
  /** Total tries, the first included. */
  attempts: number;
  /** Exponential backoff between tries: delayMs × 2^(try-1), minus up to `jitter` × that at random. */
  backoff: { type: 'exponential'; delayMs: number; jitter: number };
  /** A try running longer fails (and is retried); the handler's AbortSignal fires. */
  timeoutMs: number;
  /**
   * Finished jobs kept for inspection (GET /v1/jobs/:id, Bull Board): at most `count` of each kind,
   * none older than `ageSeconds`. With the contracts' byte caps this bounds what a queue's finished jobs
   * can hold in Redis (retainedBytesWorstCase).
   */
  retention: {
    completed: { count: number; ageSeconds: number };
    failed: { count: number; ageSeconds: number };
  };
  /** Producers are refused above `highWaterMark` waiting jobs until the depth falls to `lowWaterMark`. */
  highWaterMark: number;
  lowWaterMark: number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

type Retention = QueueSettings['retention'];
const keep = (completed: number, completedAge: number, failed: number, failedAge: number): Retention => ({
  completed: { count: completed, ageSeconds: completedAge },
  failed: { count: failed, ageSeconds: failedAge },
});

/** The record, with the environment's presets and QUEUE_OVERRIDES applied. */
export function queueSettings(config: AppConfig): Readonly<Record<QueueName, QueueSettings>> {
  const q = config.queue;
  const base = (
    defaults: Pick<QueueSettings, 'defaultPriority' | 'attempts' | 'retention'> & { hwm: number },
  ) =>
    ({
      concurrency: q.concurrency,
      defaultPriority: defaults.defaultPriority,
      attempts: defaults.attempts,
      backoff: { type: 'exponential', delayMs: 1_000, jitter: 0.5 },
      timeoutMs: q.jobTimeoutMs,
      retention: defaults.retention,
      highWaterMark: defaults.hwm,
      lowWaterMark: Math.floor(defaults.hwm / 2),
    }) satisfies QueueSettings;

  // Retention is sized by bytes (docs/queues.md, "Byte budget"): count × the queue's largest job.
  const declared: Record<QueueName, QueueSettings> = {
    // Recomputed from user events; a stale recommendation is harmless, so few retries. Tiny jobs.
    recommendations: base({
      defaultPriority: 'normal',
      attempts: 3,
      hwm: 50_000,
      retention: keep(2_000, DAY, 5_000, 7 * DAY),
    }),
    // Outbound deliveries to customer endpoints: retried for longer (endpoints go down). Failures are
    // kept longer than successes: they are what an operator looks at.
    webhooks: base({
      defaultPriority: 'normal',
      attempts: 8,
      hwm: 20_000,
      retention: keep(1_000, DAY, 1_000, 7 * DAY),
    }),
    // POST /v1/jobs: the largest payloads. A result is there to be fetched soon after the job ends.
    jobs: base({
      defaultPriority: 'normal',
      attempts: 3,
      hwm: 10_000,
      retention: keep(500, HOUR, 500, DAY),
    }),
  };

  for (const name of QUEUE_NAMES) {
    const o = q.overrides[name];
    if (!o) continue;
    const s = declared[name];
    s.concurrency = o.concurrency ?? s.concurrency;
    s.attempts = o.attempts ?? s.attempts;
    s.timeoutMs = o.timeoutMs ?? s.timeoutMs;
    s.backoff.delayMs = o.backoffDelayMs ?? s.backoff.delayMs;
    s.retention.completed.count = o.keepCompleted ?? s.retention.completed.count;
    s.retention.failed.count = o.keepFailed ?? s.retention.failed.count;
    s.retention.completed.ageSeconds = o.keepCompletedSeconds ?? s.retention.completed.ageSeconds;
    s.retention.failed.ageSeconds = o.keepFailedSeconds ?? s.retention.failed.ageSeconds;
    if (o.highWaterMark !== undefined) {
      s.highWaterMark = o.highWaterMark;
      s.lowWaterMark = Math.floor(o.highWaterMark / 2);
    }
    // Below highWaterMark: QUEUE_OVERRIDES only takes the two together (checked at boot).
    s.lowWaterMark = o.lowWaterMark ?? s.lowWaterMark;
  }
  return declared;
}

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}
