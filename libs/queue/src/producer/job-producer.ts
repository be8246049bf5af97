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
import { bullPrefix, QueueRegistry } from '../queue-registry';
import { QUEUE_SETTINGS } from '../queue.tokens';
import { pendingOwnersOption } from '../pending/pending-jobs';
import { baseJobOptions } from './job-options';
import type { AddedJob, JobSink } from './job-sink';
import type { ReplicaAcks } from './replica-acks';
import { QueueGates } from './queue-gates';
import { JobTooLargeError, producerTimeoutMs, QueueUnavailableError, withTimeout } from './queue-errors';

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
 * Prepares and adds jobs. Payloads are validated against their contract (InvalidJobPayloadError) and
 * priorities are explicit. It admits nothing: AdmittedProducer wraps it with the Redis memory guard
 * and the queues' backpressure. A call never waits for Redis: while it is down calls fail at once
 * with QueueUnavailableError.
 */
@Injectable()
export class JobProducer implements JobSink {
  private readonly timeoutMs: number;

  constructor(
    private readonly registry: QueueRegistry,
    @Inject(QUEUE_SETTINGS) private readonly settings: Readonly<Record<QueueName, QueueSettings>>,
    @InjectConfig() private readonly config: AppConfig,
    private readonly gates: QueueGates,
  ) {
    this.timeoutMs = producerTimeoutMs(config);
  }

  /** What confirms that replicas have the jobs added (undefined: no replica is required). */
  get acks(): ReplicaAcks | undefined {
    return this.registry.writers.acks;
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
   * Adds prepared jobs as they are, asking no one: admission is AdmittedProducer's, around this.
   * Fan-out jobs become flows; the rest go in one addBulk per queue.
   */
  async add(jobs: PreparedJob[]): Promise<AddedJob[]> {
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
    // Counted on top of the queue's last depth reading, whoever asked for them.
    for (const job of jobs) this.gates.get(job.queue).noteAdded(job.weight);
    return results as AddedJob[];
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
}
