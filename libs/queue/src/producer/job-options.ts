import type { JobsOptions } from 'bullmq';
import type { QueueSettings } from '../queue-definitions';

/** BullMQ options every job of a queue carries: tries, backoff with jitter, retention bounded by count and age. */
export function baseJobOptions(settings: QueueSettings): JobsOptions {
  return {
    attempts: settings.attempts,
    backoff: {
      type: settings.backoff.type,
      delay: settings.backoff.delayMs,
      jitter: settings.backoff.jitter,
    },
    removeOnComplete: {
      count: settings.retention.completed.count,
      age: settings.retention.completed.ageSeconds,
    },
    removeOnFail: { count: settings.retention.failed.count, age: settings.retention.failed.ageSeconds },
    // BullMQ keeps one stack trace per failed try; the last one says enough, and bounds a failed job's size.
    stackTraceLimit: 1,
  };
}
