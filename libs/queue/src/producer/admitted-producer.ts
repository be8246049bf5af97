import { Injectable } from '@nestjs/common';
import type { JobName, PayloadInput } from '../contracts/job-contracts';
import type { QueueName } from '../queue-definitions';
import { backpressureRejections } from '../queue-metrics';
import { QueueRegistry } from '../queue-registry';
import { JOB_OVERHEAD_BYTES } from '../retention-budget';
import { JobProducer, type EnqueueOptions, type EnqueueRequest, type PreparedJob } from './job-producer';
import type { AddedJob, JobSink } from './job-sink';
import { QueueGates } from './queue-gates';
import { QueueOverloadedError, QueueUnavailableError } from './queue-errors';
import { RedisMemory } from './redis-memory';

/**
 * JobProducer with admission around it, the way a throttled queue driver wraps its driver: admit()
 * refuses what Redis or a queue cannot take, and what is then added through this wrapper settles
 * those admissions. Adds that were never admitted (the relay, a worker's outbox) go through
 * JobProducer itself, so nothing has to say which kind an add is.
 */
@Injectable()
export class AdmittedProducer implements JobSink {
  private readonly rejections = backpressureRejections();

  constructor(
    private readonly producer: JobProducer,
    private readonly gates: QueueGates,
    private readonly memory: RedisMemory,
    private readonly registry: QueueRegistry,
  ) {}

  async enqueue<N extends JobName>(
    name: N,
    payload: PayloadInput<N>,
    options: EnqueueOptions = {},
  ): Promise<AddedJob> {
    const job = this.producer.prepare({ name, payload, ...options });
    await this.admit(job.queue, job.weight, job.bytes);
    const [added] = await this.add([job]);
    return added;
  }

  /** Adds many jobs (one round trip per queue); the batch is admitted or refused as a whole. */
  async enqueueBulk(requests: EnqueueRequest[]): Promise<AddedJob[]> {
    const jobs = requests.map((r) => this.producer.prepare(r));
    for (const [queue, { count, bytes }] of weightsByQueue(jobs)) await this.admit(queue, count, bytes);
    return this.add(jobs);
  }

  /**
   * Throws RedisMemoryHighError when Redis is nearly full, QueueOverloadedError when `count` more jobs
   * would go over the queue's high-water mark. `bytes`: their payloads (PreparedJob.bytes), when known.
   */
  async admit(queue: QueueName, count = 1, bytes = 0): Promise<void> {
    if (!this.registry.isConnected)
      throw new QueueUnavailableError(`Redis ${this.registry.connection.status}`);
    await this.memory.admit(bytes + count * JOB_OVERHEAD_BYTES);
    try {
      await this.gates.get(queue).admit(count);
    } catch (error) {
      if (error instanceof QueueOverloadedError) this.rejections.inc({ queue });
      if (error instanceof QueueOverloadedError || error instanceof QueueUnavailableError) throw error;
      // A Redis that stopped answering (paused, partitioned) keeps its connection "ready" and fails
      // the depth read with a command timeout: that is unavailability too, not an internal error.
      throw new QueueUnavailableError((error as Error).message);
    }
  }

  /** Adds jobs admit() let in; their admissions are settled (JobProducer counted them as added). */
  async add(jobs: PreparedJob[]): Promise<AddedJob[]> {
    const added = await this.producer.add(jobs);
    for (const job of jobs) this.gates.get(job.queue).settle(job.weight);
    return added;
  }
}

/** Per queue: the jobs (flow parts included) and payload bytes of `jobs`. */
export function weightsByQueue(
  jobs: readonly PreparedJob[],
): Map<QueueName, { count: number; bytes: number }> {
  const weights = new Map<QueueName, { count: number; bytes: number }>();
  for (const job of jobs) {
    const w = weights.get(job.queue) ?? { count: 0, bytes: 0 };
    weights.set(job.queue, { count: w.count + job.weight, bytes: w.bytes + job.bytes });
  }
  return weights;
}
