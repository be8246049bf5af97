import { JOB_CONTRACTS, JOB_NAMES } from './contracts/job-contracts';
import type { QueueName, QueueSettings } from './queue-definitions';

/**
 * What Redis holds for one finished job besides its payload and result: the job hash's other fields
 * (opts with trace metadata, timestamps, failedReason, the last stack trace: jobs keep one), its
 * entry in the completed or failed set, and allocator rounding. Measured with MEMORY USAGE on a failed
 * job of every queue (docs/queues.md); rounded up.
 */
export const JOB_OVERHEAD_BYTES = 2 * 1024;

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
