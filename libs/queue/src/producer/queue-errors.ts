import type { AppConfig } from '@platform/config';
import { ApiError } from '@platform/http';
import { withDeadline } from '@platform/resilience';

/**
 * A queue is over its high-water mark; retry after `retryAfterSeconds`. It is an ApiError, so a
 * route that lets it through answers 503 `queue_overloaded` with Retry-After.
 */
export class QueueOverloadedError extends ApiError {
  constructor(
    readonly queue: string,
    readonly retryAfterSeconds: number,
    readonly depth: number,
  ) {
    super(503, 'queue_overloaded', `The ${queue} queue is full; retry in ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
    this.name = 'QueueOverloadedError';
  }
}

/** Redis cannot be reached right now, so nothing was enqueued (a route answers 503 `queue_unavailable`). */
export class QueueUnavailableError extends ApiError {
  constructor(reason: string) {
    super(503, 'queue_unavailable', `Queue unavailable: ${reason}`, { retryAfterSeconds: 2 });
    this.name = 'QueueUnavailableError';
  }
}

/** A job bigger than its contract allows (payload and what it creates): 413 `job_too_large`. */
export class JobTooLargeError extends ApiError {
  constructor(
    readonly jobName: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(
      413,
      'job_too_large',
      `A ${jobName} job may take at most ${maxBytes} bytes as JSON (with the jobs it creates); this one takes ${bytes}`,
    );
    this.name = 'JobTooLargeError';
  }
}

/**
 * Redis is fuller than the memory guard allows (used_memory over REDIS_MEMORY_GUARD_RATIO of
 * maxmemory): new jobs are refused with 503 `redis_memory_high` before Redis itself refuses writes
 * (noeviction), which would fail the cache, the token buckets and the workers too.
 */
export class RedisMemoryHighError extends ApiError {
  constructor(
    readonly usedBytes: number,
    readonly limitBytes: number,
    readonly retryAfterSeconds: number,
  ) {
    super(503, 'redis_memory_high', `The job store is nearly full; retry in ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
    this.name = 'RedisMemoryHighError';
  }
}

/**
 * One owner (an API key; later a tenant) has its cap of jobs queued or delayed: 429
 * `too_many_pending_jobs`. It is that caller's quota, not the service's state, so 429, and a slot
 * frees as soon as one of its jobs finishes.
 */
export class TooManyPendingJobsError extends ApiError {
  constructor(
    readonly owner: string,
    readonly cap: number,
    readonly retryAfterSeconds: number,
  ) {
    super(
      429,
      'too_many_pending_jobs',
      `At most ${cap} jobs may be queued or delayed at once; retry once some have finished`,
      { retryAfterSeconds },
    );
    this.name = 'TooManyPendingJobsError';
  }
}

/**
 * How long a producer's Redis call (add, depth read, memory read, pending count) may take: it is on
 * the request path, so a Redis that stops answering fails the call, not the request.
 */
export function producerTimeoutMs(config: AppConfig): number {
  return Math.max(1_000, config.redis.commandTimeoutMs * 2);
}

/**
 * Rejects with QueueUnavailableError after `ms`: producers never hang on a Redis that stopped
 * answering. On withDeadline: an answer already on the socket after a stalled loop still counts.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withDeadline(promise, ms, () => new QueueUnavailableError(`${what} timed out after ${ms} ms`));
}
