import { Logger } from '@nestjs/common';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import type { QueueName } from '../queue-definitions';
import type { JobRunner } from './job-runner';
import type { JobHandlers, QueueProcessor } from './queue-processor';

const logger = new Logger('QueueWorkers');

/**
 * The base class of a queue's processor: a @nestjs/bullmq WorkerHost whose jobs go to the typed
 * handlers, through the JobRunner (payload validation, timeout and signal, metrics, hand-back on
 * shutdown). Subclasses declare `handlers` only; QueueWorkerModule registers them and QueueWorkers
 * starts their workers.
 */
export abstract class QueueProcessorHost<Q extends QueueName>
  extends WorkerHost
  implements QueueProcessor<Q>
{
  abstract readonly handlers: JobHandlers<Q>;
  // An ES private field: a subclass's own members can never collide with it.
  #runner?: JobRunner;

  /** Set by QueueWorkers before the worker is started (workers are created paused). */
  runWith(runner: JobRunner): void {
    this.#runner = runner;
  }

  /**
   * What the worker calls for each job. Three parameters, so BullMQ hands over its own cancellation
   * signal too: it passes one only to a processor that declares it (it checks the function's length).
   */
  override process(job: Job, token?: string, signal?: AbortSignal): Promise<unknown> {
    if (!this.#runner) return Promise.reject(new Error(`No job runner for queue ${job.queueName} yet`));
    return this.#runner.process(job, token, signal);
  }

  /**
   * Attached by @nestjs/bullmq as it creates the worker, so a Redis error during boot (before
   * QueueWorkers sees the worker) is logged rather than left to BullMQ's raw console fallback.
   */
  @OnWorkerEvent('error')
  onQueueWorkerError(error: Error): void {
    logger.warn({ queue: this.worker.name, err: error.message }, 'worker error');
  }
}
