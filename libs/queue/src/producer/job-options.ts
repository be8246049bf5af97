import type { JobsOptions } from 'bullmq';
import type { QueueSettings } from '../queue-definitions';

/** BullMQ options every job of a queue carries: tries, backoff with jitter, bounded retention. */
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
  };
}
