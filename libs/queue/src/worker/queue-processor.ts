import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { JobNameOf, PayloadOf } from '../contracts/job-contracts';
import type { QueueName } from '../queue-definitions';

export const QUEUE_PROCESSOR = Symbol('QUEUE_PROCESSOR');

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

/**
 * Marks a provider as the processor of a queue:
 *
 *   @ProcessorFor('webhooks')
 *   export class WebhooksProcessor implements QueueProcessor<'webhooks'> {
 *     readonly handlers: JobHandlers<'webhooks'> = { 'webhook.deliver': (p, ctx) => this.deliver(p, ctx) };
 *   }
 *
 * The worker app starts one BullMQ worker per processor with the queue's settings.
 */
export const ProcessorFor = (queue: QueueName): ClassDecorator =>
  applyDecorators(Injectable(), SetMetadata(QUEUE_PROCESSOR, queue));
