import { Logger } from '@nestjs/common';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { runWithJobTrace } from '@platform/observability';
import {
  contractOf,
  isJobName,
  InvalidJobPayloadError,
  parsePayload,
  type JobName,
} from '../contracts/job-contracts';
import type { QueueName, QueueSettings } from '../queue-definitions';
import { jobDurationHistogram } from '../queue-metrics';
import type { JobContext, JobHandler } from './queue-processor';

/** Thrown into the handler's signal when a try runs past its queue's timeout. */
export class JobTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Job timed out after ${timeoutMs} ms`);
    this.name = 'JobTimeoutError';
  }
}

/** The signal's reason when shutdown hands the job back to the queue. */
export class JobReturnedError extends Error {
  constructor() {
    super('Worker shutting down: job returned to the queue');
    this.name = 'JobReturnedError';
  }
}

interface ActiveJob {
  job: Job;
  token?: string;
  controller: AbortController;
}

/**
 * Wraps a queue's handlers as one BullMQ processor: validates the payload (a bad one fails without
 * retry), enforces the per-try timeout (the try fails and is retried; the handler's signal fires),
 * records the duration histogram, and tracks active jobs so shutdown can hand them back.
 */
export class JobRunner {
  private readonly logger = new Logger('JobRunner');
  readonly active = new Map<string, ActiveJob>();
  private readonly histogram = jobDurationHistogram();
  /** Label-bound children, so the hot path does not hash a label object per job. */
  private readonly durations = new Map<string, { observe(value: number): void }>();

  constructor(
    private readonly queue: QueueName,
    private readonly settings: QueueSettings,
    private readonly handlers: Record<string, JobHandler<never>>,
  ) {}

  /**
   * Three parameters, so BullMQ hands us its own cancellation signal too. The job runs as the request
   * that started it: its log lines carry that request's id (from the job's trace metadata).
   */
  readonly process = (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> =>
    runWithJobTrace(job.opts.telemetry?.metadata, () => this.run(job, token, signal));

  private async run(job: Job, token?: string, signal?: AbortSignal): Promise<unknown> {
    const handler = this.handlers[job.name];
    if (!isJobName(job.name) || !handler || contractOf(job.name).queue !== this.queue) {
      throw new UnrecoverableError(`No handler for job "${job.name}" on queue ${this.queue}`);
    }
    let payload: unknown;
    try {
      payload = parsePayload(job.name, job.data);
    } catch (error) {
      if (error instanceof InvalidJobPayloadError) throw new UnrecoverableError(error.message);
      throw error;
    }

    const controller = new AbortController();
    const onBullAbort = () => controller.abort(signal?.reason ?? new Error('Job cancelled'));
    signal?.addEventListener('abort', onBullAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new JobTimeoutError(this.settings.timeoutMs)),
      this.settings.timeoutMs,
    );
    const key = job.id!;
    this.active.set(key, { job, token, controller });
    const started = performance.now();
    let status = 'completed';
    try {
      const context: JobContext = {
        jobId: key,
        attempt: job.attemptsMade + 1,
        signal: controller.signal,
        idempotencyKey: `${this.queue}:${key}`,
        progress: (value) => job.updateProgress(value),
        childrenValues: <T>() => job.getChildrenValues<T>(),
        job,
      };
      // A handler that ignores its signal is not waited for: the try ends when the signal fires.
      const result = await Promise.race([
        (handler as JobHandler<unknown>)(payload, context),
        rejectOnAbort(controller.signal),
      ]);
      return this.bounded(job, result);
    } catch (error) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
      if (reason instanceof JobReturnedError) {
        status = 'returned';
        // Already moved back to wait by shutdown: tell BullMQ not to touch it.
        throw new WaitingError();
      }
      status = reason instanceof JobTimeoutError ? 'timeout' : 'failed';
      throw reason;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onBullAbort);
      this.active.delete(key);
      const seconds = (performance.now() - started) / 1000;
      this.durationFor(job.name, status).observe(seconds);
      this.logger.debug(
        { queue: this.queue, jobId: key, job: job.name, status, ms: Math.round(seconds * 1000) },
        'job',
      );
    }
  }

  /**
   * The result as it will be kept, within the contract's maxResultBytes: the retention byte budget
   * counts on it. A larger one (a handler bug, not the client's) is replaced by a note, not failed:
   * the job's effects already happened.
   */
  private bounded(job: Job, result: unknown): unknown {
    const max = contractOf(job.name as JobName).maxResultBytes;
    const bytes = result === undefined ? 0 : Buffer.byteLength(JSON.stringify(result) ?? '');
    if (bytes <= max) return result;
    this.logger.warn({ queue: this.queue, jobId: job.id, job: job.name, bytes, max }, 'job result too large');
    return { resultTooLarge: { bytes, maxBytes: max } };
  }

  private durationFor(name: string, status: string) {
    const key = `${name}\u0000${status}`;
    let child = this.durations.get(key);
    if (!child) {
      child = this.histogram.labels({ queue: this.queue, name, status });
      this.durations.set(key, child);
    }
    return child;
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}
