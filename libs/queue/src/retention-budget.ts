import { JOB_CONTRACTS, JOB_NAMES } from './contracts/job-contracts';
import type { QueueName, QueueSettings } from './queue-definitions';

/**
 * What Redis holds for one finished job besides its payload and result: the job hash's other fields
 * (opts with trace metadata, timestamps, failedReason, the one stack trace kept), its entry in the
 * completed or failed set, its share of the queue's event stream (BullMQ caps that at ~10 000
 * events) and allocator rounding. Measured on Redis 7.0 with 500 tiny jobs and our job options:
 * 4 144 bytes per completed job and 3 723 per failed one, all of that included (a failed job's hash
 * alone: 2 432). Rounded up.
 */
export const JOB_OVERHEAD_BYTES = 5 * 1024;

/** The most one job of the queue can cost in Redis once finished: its largest contract's caps. */
export function largestJobBytes(queue: QueueName): number {
  const sizes = JOB_NAMES.filter((n) => JOB_CONTRACTS[n].queue === queue).map(
    (n) => JOB_CONTRACTS[n].maxBytes + JOB_CONTRACTS[n].maxResultBytes,
  );
  return Math.max(0, ...sizes) + JOB_OVERHEAD_BYTES;
}

/** The most a queue's retention can keep in Redis: every retained job at its largest. */
export function retainedBytesWorstCase(queue: QueueName, settings: QueueSettings): number {
  const { completed, failed } = settings.retention;
  return (completed.count + failed.count) * largestJobBytes(queue);
}
