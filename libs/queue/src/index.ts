export { QueueModule } from './queue.module';
export { QueueWorkerModule, registerProcessors } from './worker/queue-worker.module';
export {
  QUEUE_NAMES,
  queueSettings,
  isQueueName,
  type QueueName,
  type QueueSettings,
} from './queue-definitions';
export { QUEUE_SETTINGS, QUEUE_FLOWS } from './queue.tokens';
export { JOB_OVERHEAD_BYTES, largestJobBytes, retainedBytesWorstCase } from './retention-budget';
export {
  BULLMQ_PRIORITY,
  bullPriority,
  priorityClassOf,
  PRIORITY_CLASSES,
  type PriorityClass,
} from './priorities';
export {
  JOB_CONTRACTS,
  JOB_NAMES,
  PUBLIC_JOB_NAMES,
  InvalidJobPayloadError,
  contractOf,
  isJobName,
  parsePayload,
  jobBytes,
  type JobContract,
  type JobName,
  type JobNameOf,
  type PayloadOf,
  type PayloadInput,
} from './contracts/job-contracts';
export { QueueRegistry, bullPrefix, pendingDepth, PENDING_STATES, COUNTED_STATES } from './queue-registry';
export {
  JobProducer,
  type EnqueueOptions,
  type EnqueueRequest,
  type PreparedJob,
} from './producer/job-producer';
export { AdmittedProducer } from './producer/admitted-producer';
export { addConfirmed, type AddedJob, type JobSink } from './producer/job-sink';
export { BackpressureGate, type DepthReading, type BackpressureSettings } from './producer/backpressure-gate';
export {
  QueueOverloadedError,
  QueueUnavailableError,
  JobTooLargeError,
  RedisMemoryHighError,
  TooManyPendingJobsError,
  producerTimeoutMs,
} from './producer/queue-errors';
export { MemoryGuard, type MemoryReading, type MemoryGuardSettings } from './producer/memory-guard';
export { RedisMemory } from './producer/redis-memory';
export {
  PendingJobs,
  PENDING_HORIZON_MS,
  withPendingOwners,
  pendingRelease,
  type PendingOwner,
} from './pending/pending-jobs';
export { baseJobOptions } from './producer/job-options';
export {
  Outbox,
  type OutboxTransaction,
  type OutboxJobOptions,
  type OutboxIdempotency,
  type InsertedOutboxRow,
  type OutboxRow,
} from './outbox/outbox.service';
export { DurableWrites, type Admission, type DurableWrite } from './writes/durable-writes';
export { DurableBatch, type BatchCommit } from './writes/durable-batch';
export { stageOutboxRow, outboxInsertSql, type StagedOutboxRow } from './outbox/staged-outbox-rows';
export {
  ProcessorFor,
  type ProcessorClass,
  type QueueProcessor,
  type JobHandlers,
  type JobHandler,
  type JobContext,
} from './worker/queue-processor';
export { QueueProcessorHost } from './worker/queue-processor-host';
export { JobRunner, JobTimeoutError, JobReturnedError } from './worker/job-runner';
export { QueueWorkers } from './worker/queue-workers';
export { applyOnce, pruneProcessedJobs } from './worker/apply-once';
export { mountBullBoard, BULL_BOARD_PATH } from './board/bull-board';
export {
  queueJobsGauge,
  jobDurationHistogram,
  backpressureRejections,
  outboxPendingGauge,
  redisMemoryGauges,
  memoryGuardRejections,
} from './queue-metrics';
