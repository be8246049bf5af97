import { Inject, Injectable } from '@nestjs/common';
import type { FlowJob, JobsOptions } from 'bullmq';
import { InjectConfig, type AppConfig } from '@platform/config';
import { captureJobTrace } from '@platform/observability';
import {
  contractOf,
  jobBytes,
  parsePayload,
  type JobName,
  type PayloadInput,
} from '../contracts/job-contracts';
import { bullPriority, type PriorityClass } from '../priorities';
import type { QueueName, QueueSettings } from '../queue-definitions';
import { backpressureRejections } from '../queue-metrics';
import { bullPrefix, pendingDepth, PENDING_STATES, QueueRegistry } from '../queue-registry';
import { QUEUE_SETTINGS } from '../queue.tokens';
import { pendingOwnersOption } from '../pending/pending-jobs';
import { JOB_OVERHEAD_BYTES } from '../retention-budget';
import { BackpressureGate } from './backpressure-gate';
import type { ReplicaAnswer } from './replica-acks';
import { baseJobOptions } from './job-options';
import { RedisMemory } from './redis-memory';
import { JobTooLargeError, QueueOverloadedError, QueueUnavailableError, withTimeout } from './queue-errors';

export interface EnqueueOptions {
  /** Defaults to the queue's default class. Never BullMQ's 0. */
  priority?: PriorityClass;
  /** Idempotency: a job id already in the queue is not added again. No ":" allowed. */
  jobId?: string;
  delayMs?: number;
  /**
   * The request id and W3C trace context the job carries (captureJobTrace's JSON). Defaults to the
   * current request's; the outbox passes what it stored with the row (null: nothing).
   */
  traceMetadata?: string | null;
}

export interface EnqueueRequest<N extends JobName = JobName> extends EnqueueOptions {
  name: N;
  payload: PayloadInput<N>;
}

/** A job ready to be added: validated payload, resolved BullMQ options. */
export interface PreparedJob {
  queue: QueueName;
  name: JobName;
  payload: unknown;
  opts: JobsOptions;
  /** Jobs this adds to the pending depth (a flow's parent and its children). */
  weight: number;
  /** Bytes of payload it puts into Redis (a flow's children included). */
  bytes: number;
}

/**
 * Adds jobs. Payloads are validated against their contract (InvalidJobPayloadError), priorities are
 * explicit, and each queue's backpressure gate is asked first (QueueOverloadedError). A call never
 * waits for Redis: while it is down calls fail at once with QueueUnavailableError.
 */
@Injectable()
export class JobProducer {
  private readonly gates = new Map<QueueName, BackpressureGate>();
  private readonly rejections = backpressureRejections();
  private readonly timeoutMs: number;

  constructor(
    private readonly registry: QueueRegistry,
    @Inject(QUEUE_SETTINGS) private readonly settings: Readonly<Record<QueueName, QueueSettings>>,
    @InjectConfig() private readonly config: AppConfig,
    private readonly memory: RedisMemory,
  ) {
    // Producers are on the request path: a Redis that stops answering fails the call, not the request.
    this.timeoutMs = Math.max(1_000, config.redis.commandTimeoutMs * 2);
  }

  async enqueue<N extends JobName>(name: N, payload: PayloadInput<N>, options: EnqueueOptions = {}) {
    const job = this.prepare({ name, payload, ...options });
    await this.admit(job.queue, job.weight, job.bytes);
    const [added] = await this.add([job], { admitted: true });
    return added;
  }

  /** Adds many jobs (one round trip per queue); the batch is admitted or refused as a whole. */
  async enqueueBulk(requests: EnqueueRequest[]): Promise<Array<{ id: string; queue: QueueName }>> {
    const jobs = requests.map((r) => this.prepare(r));
    const weights = new Map<QueueName, { count: number; bytes: number }>();
    for (const job of jobs) {
      const w = weights.get(job.queue) ?? { count: 0, bytes: 0 };
      weights.set(job.queue, { count: w.count + job.weight, bytes: w.bytes + job.bytes });
    }
    for (const [queue, { count, bytes }] of weights) await this.admit(queue, count, bytes);
    return this.add(jobs, { admitted: true });
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
      await this.gate(queue).admit(count);
    } catch (error) {
      if (error instanceof QueueOverloadedError) this.rejections.inc({ queue });
      if (error instanceof QueueOverloadedError || error instanceof QueueUnavailableError) throw error;
      // A Redis that stopped answering (paused, partitioned) keeps its connection "ready" and fails
      // the depth read with a command timeout: that is unavailability too, not an internal error.
      throw new QueueUnavailableError((error as Error).message);
    }
  }

  /**
   * Validates and resolves options without adding (the outbox stores the result). Throws
   * InvalidJobPayloadError, or JobTooLargeError over the contract's maxBytes.
   */
  prepare(request: EnqueueRequest): PreparedJob {
    const contract = contractOf(request.name);
    const payload = parsePayload(request.name, request.payload);
    const bytes = jobBytes(request.name, payload);
    if (bytes > contract.maxBytes) throw new JobTooLargeError(request.name, bytes, contract.maxBytes);
    const settings = this.settings[contract.queue];
    if (request.jobId?.includes(':')) throw new Error('A job id cannot contain ":"');
    const delay = Math.max(request.delayMs ?? 0, contract.coalesce?.delayMs ?? 0);
    const traceMetadata = request.traceMetadata === undefined ? captureJobTrace() : request.traceMetadata;
    const opts: JobsOptions = {
      ...baseJobOptions(settings),
      ...(traceMetadata ? { telemetry: { metadata: traceMetadata } } : {}),
      priority: bullPriority(request.priority ?? settings.defaultPriority),
      ...(request.jobId ? { jobId: request.jobId } : {}),
      ...(delay ? { delay } : {}),
      ...(contract.coalesce
        ? { deduplication: { id: contract.coalesce.key(payload), keepLastIfActive: true } }
        : {}),
    };
    // A flow's parent waits (waiting-children) beside its children: both count as pending.
    const children = contract.fanOut?.(payload).length ?? 0;
    return { queue: contract.queue, name: request.name, payload, opts, weight: 1 + children, bytes };
  }

  /**
   * Adds prepared jobs without asking the gate (the outbox: those writes were accepted already).
   * `admitted`: the caller passed admit() for them. Fan-out jobs become flows; the rest go in one
   * addBulk per queue.
   */
  async add(
    jobs: PreparedJob[],
    { admitted }: { admitted: boolean },
  ): Promise<Array<{ id: string; queue: QueueName }>> {
    const writers = this.registry.writers;
    if (!writers.isConnected) throw new QueueUnavailableError(`Redis ${writers.connection.status}`);
    const results = new Array<{ id: string; queue: QueueName } | undefined>(jobs.length);
    const plain = new Map<QueueName, number[]>();
    const flows: Promise<void>[] = [];
    jobs.forEach((job, index) => {
      if (contractOf(job.name).fanOut) {
        flows.push(
          this.addFlow(job).then((id) => {
            results[index] = { id, queue: job.queue };
          }),
        );
      } else {
        plain.set(job.queue, [...(plain.get(job.queue) ?? []), index]);
      }
    });
    const bulks = [...plain].map(async ([queue, indexes]) => {
      const added = await writers
        .get(queue)
        .addBulk(indexes.map((i) => ({ name: jobs[i].name, data: jobs[i].payload, opts: jobs[i].opts })));
      added.forEach((job, k) => (results[indexes[k]] = { id: job.id!, queue }));
    });
    await withTimeout(Promise.all([...bulks, ...flows]), this.timeoutMs, 'enqueue');
    for (const job of jobs) this.gate(job.queue).noteAdded(job.weight, admitted);
    return results as Array<{ id: string; queue: QueueName }>;
  }

  /**
   * add(), then asks how many replicas have the jobs (one WAIT, shared with concurrent callers; none
   * when no replica is required). The outbox marks rows dispatched only when enough do.
   */
  async addReplicated(
    jobs: PreparedJob[],
    options: { admitted: boolean },
  ): Promise<{ added: Array<{ id: string; queue: QueueName }>; replication: ReplicaAnswer }> {
    const acks = this.registry.writers.acks;
    if (!acks) return { added: await this.add(jobs, options), replication: { required: 0 } };
    const pin = await acks.pin();
    const added = await this.add(jobs, options);
    return { added, replication: await acks.confirm(pin) };
  }

  private async addFlow(job: PreparedJob): Promise<string> {
    const contract = contractOf(job.name);
    const parentId = job.opts.jobId;
    const children = contract.fanOut!(job.payload);
    const childBase = baseJobOptions(this.settings[job.queue]);
    const flow: FlowJob = {
      name: job.name,
      queueName: job.queue,
      data: job.payload,
      prefix: bullPrefix(this.config),
      opts: job.opts,
      children: children.map((child, i) => {
        const childContract = contractOf(child.name as JobName);
        return {
          name: child.name,
          queueName: childContract.queue,
          data: parsePayload(child.name as JobName, child.payload),
          prefix: bullPrefix(this.config),
          opts: {
            ...childBase,
            priority: job.opts.priority,
            ...(parentId ? { jobId: `${parentId}-part-${i}` } : {}),
            // A failed part fails the aggregate (its reason names the part).
            failParentOnFailure: true,
            // The parts run as the request that asked for the aggregate, like their parent.
            ...(job.opts.telemetry ? { telemetry: job.opts.telemetry } : {}),
            // A failed part fails the parent: the worker then releases the parent's pending slot.
            ...pendingOwnersOption(job.opts),
          },
        };
      }),
    };
    const node = await this.registry.writers.flows.add(flow);
    return node.job.id!;
  }

  private gate(queue: QueueName): BackpressureGate {
    let gate = this.gates.get(queue);
    if (!gate) {
      const s = this.settings[queue];
      const bull = this.registry.get(queue);
      gate = new BackpressureGate(
        {
          queue,
          highWaterMark: s.highWaterMark,
          lowWaterMark: s.lowWaterMark,
          cacheMs: this.config.queue.depthCacheMs,
        },
        async () => {
          const [counts, completed, failed] = await withTimeout(
            Promise.all([
              bull.getJobCounts(...PENDING_STATES),
              bull.getMetrics('completed', 0, 0),
              bull.getMetrics('failed', 0, 0),
            ]),
            this.timeoutMs,
            'queue depth read',
          );
          return { depth: pendingDepth(counts), finished: completed.meta.count + failed.meta.count };
        },
      );
      this.gates.set(queue, gate);
    }
    return gate;
  }
}
