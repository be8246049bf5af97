import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectConfig, type AppConfig } from '@platform/config';
import { ApiError } from '@platform/http';
import {
  DurableWrites,
  InvalidJobPayloadError,
  JobProducer,
  Outbox,
  priorityClassOf,
  QueueRegistry,
  stageOutboxRow,
  type JobName,
  type OutboxRow,
  type PendingOwner,
  type StagedOutboxRow,
} from '@platform/queue';
import { ApiKeysService } from '../auth/api-keys.service';
import type { Caller } from '../auth/caller';
import { assertJobAllowed } from './job-policy';
import type { CreateJobBody, JobState, JobStatusView } from './jobs.schemas';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * POST /v1/jobs writes an outbox row (owner, idempotency key) and dispatches it at once: the job is
 * durable before the 202, even while Redis is down. Before writing: the caller's policy (403), the
 * contract's schema and byte cap (400, 413: the job is prepared here, once, and that is what the row
 * stores and what is dispatched), then DurableWrites: Redis memory and the queue's backpressure (503)
 * and, inside the row's transaction, the caller's cap of pending jobs (429; refused means nothing
 * written).
 * GET /v1/jobs/:id reads ownership from Postgres (a job is visible to every key of its creator's
 * tenant) and state from BullMQ.
 */
@Injectable()
export class JobsService {
  constructor(
    private readonly writes: DurableWrites,
    private readonly outbox: Outbox,
    private readonly producer: JobProducer,
    private readonly registry: QueueRegistry,
    private readonly keys: ApiKeysService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async create(
    caller: Caller,
    body: CreateJobBody,
  ): Promise<{ id: string; status: JobState; created: boolean }> {
    const name = body.type as JobName;
    assertJobAllowed(caller, name, body.priority, this.config);
    const priority = body.priority ?? caller.tier.defaultPriority;
    const staged = this.stage(caller, name, body, priority);
    const { job } = staged;

    // The request as the client sent it (not the tier's default, which an admin may change).
    const requestHash = createHash('sha256')
      .update(
        canonicalJson({
          type: name,
          payload: job.payload,
          priority: body.priority ?? null,
          delayMs: body.delayMs ?? 0,
        }),
      )
      .digest('hex');
    // Counted against the key and against its tenant (all of the tenant's keys together), atomically.
    const owners: PendingOwner[] = [
      { owner: `key:${caller.apiKeyId}`, cap: this.config.jobs.maxPendingPerKey },
      { owner: `tenant:${caller.tenantId}`, cap: this.config.tenants.maxPendingJobs },
    ];
    const { result: row, dispatched } = await this.writes.write({
      admit: [{ queue: job.queue, count: job.weight, bytes: job.bytes }],
      owners,
      work: (tx) => tx.insert(staged, { idempotencyKey: body.idempotencyKey, requestHash }),
    });
    if (!row.created) {
      if (row.request_hash !== requestHash) {
        throw new ApiError(
          409,
          'idempotency_conflict',
          'This idempotencyKey was used with a different request',
        );
      }
      return { id: row.id, status: (await this.view(row)).status, created: false };
    }
    return { id: row.id, status: dispatched ? 'queued' : 'accepted', created: true };
  }

  async find(caller: Caller, id: string): Promise<JobStatusView> {
    const row = UUID.test(id) ? await this.outbox.find(id) : undefined;
    // A job is its tenant's: any of the tenant's keys reads it; for anyone else it does not exist.
    const visible =
      row?.owner_id != null &&
      (row.owner_id === caller.apiKeyId ||
        (UUID.test(row.owner_id) && (await this.keys.tenantOf(row.owner_id)) === caller.tenantId));
    if (!row || !visible) throw new ApiError(404, 'job_not_found', `No job ${id}`);
    return this.view(row);
  }

  /** The job, validated and prepared once (400 with the fields, 413 over its byte cap). */
  private stage(
    caller: Caller,
    name: JobName,
    body: CreateJobBody,
    priority: NonNullable<CreateJobBody['priority']>,
  ): StagedOutboxRow {
    try {
      return stageOutboxRow(this.producer, name, body.payload as never, {
        priority,
        delayMs: body.delayMs,
        ownerId: caller.apiKeyId,
      });
    } catch (error) {
      if (!(error instanceof InvalidJobPayloadError)) throw error;
      throw new ApiError(400, 'validation_failed', `Invalid payload for ${name}`, {
        fields: error.fields.map((f) => ({
          field: ['body', 'payload', f.field].filter(Boolean).join('.'),
          message: f.message,
        })),
      });
    }
  }

  private async view(row: OutboxRow): Promise<JobStatusView> {
    const base = {
      id: row.id,
      type: row.job_name,
      priority: priorityClassOf(row.priority),
      createdAt: new Date(row.created_at).toISOString(),
    };
    const accepted: JobStatusView = {
      ...base,
      status: 'accepted',
      progress: 0,
      attempts: { made: 0, max: 0 },
    };
    const queue = this.registry.get(row.queue);
    let status: JobState | 'unknown';
    let job: Awaited<ReturnType<typeof queue.getJob>>;
    try {
      if (!this.registry.isConnected) throw new Error('Redis unreachable');
      // State first: a job read after it says "completed" is sure to carry its result.
      // A coalesced row is carried by another job (job_id): report that job's progress.
      const jobId = row.job_id ?? row.id;
      status = await queue.getJobState(jobId);
      job = status === 'unknown' ? undefined : await queue.getJob(jobId);
    } catch {
      if (!row.dispatched_at) return accepted;
      throw new ApiError(503, 'queue_unavailable', 'Job state is in Redis, which is unreachable', {
        retryAfterSeconds: 2,
      });
    }
    // A pending row's job may be in Redis already, running: added, but not yet confirmed on a replica
    // (docs/scale-out.md). Only a row never enqueued has no job to show.
    if (!row.dispatched_at && (!job || status === 'unknown')) return accepted;
    if (!job || status === 'unknown') {
      // Removed by the queue's retention (or lost with a Redis that kept no data across a restart).
      return { ...base, status: 'expired', progress: null, attempts: { made: 0, max: 0 } };
    }
    const iso = (ms?: number) => (ms ? new Date(ms).toISOString() : undefined);
    return {
      ...base,
      status,
      progress: job.progress as JobStatusView['progress'],
      attempts: { made: job.attemptsMade, max: job.opts.attempts ?? 1 },
      ...(status === 'completed' ? { result: job.returnvalue as unknown } : {}),
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
      startedAt: iso(job.processedOn),
      finishedAt: iso(job.finishedOn),
    };
  }
}

/** JSON with sorted keys, so the same request always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
