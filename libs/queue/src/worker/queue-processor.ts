import { Injectable, SetMetadata, type Type } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { JobNameOf, PayloadOf } from '../contracts/job-contracts';
import type { QueueName } from '../queue-definitions';
import type { QueueProcessorHost } from './queue-processor-host';

const QUEUE_PROCESSOR = Symbol('QUEUE_PROCESSOR');

/** What a handler gets besides its (validated) payload. */
export interface JobContext {
  jobId: string;
  /** 1 on the first try. */
  attempt: number;
  /** Fires when the try times out, the job is cancelled, or shutdown returns the job to the queue. */
  signal: AbortSignal;
  /** Unique per job, stable across tries: the key for "apply this effect once". */
  idempotencyKey: string;
  progress(value: number | object): Promise<void>;
  /** For a flow's parent: the children's results, by child job key. */
  childrenValues<T = unknown>(): Promise<Record<string, T>>;
  job: Job;
}

export type JobHandler<P> = (payload: P, context: JobContext) => Promise<unknown>;

/** One handler per job name of the queue: forgetting one does not compile. */
export type JobHandlers<Q extends QueueName> = { [N in JobNameOf<Q>]: JobHandler<PayloadOf<N>> };

export interface QueueProcessor<Q extends QueueName> {
  readonly handlers: JobHandlers<Q>;
}

/** A processor class of any queue, as the worker module takes them. */
export type ProcessorClass = Type<QueueProcessorHost<never>>;

/**
 * Marks a class as the processor of a queue:
 *
 *   @ProcessorFor('webhooks')
 *   export class WebhooksProcessor extends QueueProcessorHost<'webhooks'> {
 *     readonly handlers: JobHandlers<'webhooks'> = { 'webhook.deliver': (p, ctx) => this.deliver(p, ctx) };
 *   }
 *
 * The class must handle that queue's jobs (`@ProcessorFor('jobs')` on a `QueueProcessorHost<'webhooks'>`
 * does not compile). QueueWorkerModule registers it as a @nestjs/bullmq processor with the queue's
 * worker options; it is not a `@Processor` by itself, so providing it anywhere else starts no worker.
 */
export function ProcessorFor<Q extends QueueName>(queue: Q) {
  return (target: abstract new (...args: never[]) => QueueProcessorHost<Q>): void => {
    Injectable()(target);
    SetMetadata(QUEUE_PROCESSOR, queue)(target);
  };
}

/** The queue a @ProcessorFor class works. */
export function queueOfProcessor(processor: ProcessorClass): QueueName {
  const queue = Reflect.getMetadata(QUEUE_PROCESSOR, processor) as QueueName | undefined;
  if (!queue) throw new Error(`${processor.name} is not a processor: decorate it with @ProcessorFor(queue)`);
  return queue;
}
