import { Injectable, Logger, type OnModuleInit, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';
import type { JobName, PayloadInput } from '../contracts/job-contracts';
import { withPendingOwners } from '../pending/pending-jobs';
import { JobProducer, type EnqueueOptions, type PreparedJob } from '../producer/job-producer';
import { addConfirmed, type AddedJob, type JobSink } from '../producer/job-sink';
import { addOutboxPendingSource } from '../queue-metrics';
import { replicationVerdict } from './replication-verdict';
import { stageOutboxRow, type StagedOutboxRow } from './staged-outbox-rows';
import type { QueueName } from '../queue-definitions';

export interface OutboxJobOptions extends Omit<EnqueueOptions, 'jobId'> {
  /** Who asked (API key id): GET /v1/jobs/:id shows a job only to its owner. */
  ownerId?: string;
  /** With ownerId: a second insert with the same key returns the first row instead. */
  idempotencyKey?: string;
  requestHash?: string;
}

export interface OutboxRow {
  id: string;
  queue: QueueName;
  job_name: JobName;
  payload: unknown;
  priority: number;
  delay_ms: number;
  owner_id: string | null;
  request_hash: string | null;
  dispatched_at: Date | null;
  /** The job that carries this row's work: the row's own id, or the job it coalesced into. */
  job_id: string | null;
  /** The request id and W3C trace context of the request that asked for the job (its log lines, its trace). */
  trace_context: Record<string, string> | null;
  created_at: Date;
}

const MARK_DISPATCHED = `
  UPDATE outbox SET dispatched_at = now(), job_id = v.job_id
    FROM unnest($1::uuid[], $2::text[]) AS v(id, job_id)
   WHERE outbox.id = v.id AND outbox.dispatched_at IS NULL`;

/** With an owner: a second insert with the same key finds the first row instead of writing one. */
export type OutboxIdempotency = Pick<OutboxJobOptions, 'idempotencyKey' | 'requestHash'>;

/** An outbox row as written (`created`), or the earlier row its idempotency key points to. */
export type InsertedOutboxRow = OutboxRow & { created: boolean };

/**
 * Inside `Outbox.transaction` or `DurableWrites.write`: write your rows with `manager`, ask for jobs
 * with `enqueue` (or `insert` one staged earlier).
 */
export interface OutboxTransaction {
  manager: EntityManager;
  /** Prepares the job (once: the row and, after commit, its dispatch use it) and inserts its row. */
  enqueue<N extends JobName>(name: N, payload: PayloadInput<N>, options?: OutboxJobOptions): Promise<string>;
  /** Inserts a row staged before the transaction (its payload already validated: 400/413 come first). */
  insert(row: StagedOutboxRow, idempotency?: OutboxIdempotency): Promise<InsertedOutboxRow>;
  /** The rows this transaction created so far, in order: dispatched after commit. */
  readonly created: readonly StagedOutboxRow[];
}

/**
 * The transactional outbox. A write that must start a job inserts an outbox row in its own
 * transaction; right after commit the job is enqueued with jobId = the row's id and the row is
 * marked dispatched. If Redis is down the row waits and the relay (apps/worker) enqueues it later.
 * With Sentinel or Cluster a row is marked only once a replica has its job (QUEUE_DISPATCH_REPLICAS):
 * a job only the master had would be lost in a failover, and a marked row is never sent again.
 * Rows are claimed with FOR UPDATE SKIP LOCKED, so eager dispatch and relays never enqueue one row
 * twice at the same time, and a repeated enqueue of the same id is ignored by BullMQ.
 */
@Injectable()
export class Outbox implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Outbox');
  private removeSource?: () => void;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly producer: JobProducer,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.removeSource = addOutboxPendingSource(this);
  }

  onApplicationShutdown(): void {
    this.removeSource?.();
  }

  /**
   * Runs `work` in a transaction; every job it enqueues is committed with it, then dispatched (not
   * admitted: a worker's follow-up jobs; API writes go through DurableWrites). Returns the work's
   * result and the job ids (= outbox ids), in order.
   */
  async transaction<T>(
    work: (tx: OutboxTransaction) => Promise<T>,
  ): Promise<{ result: T; jobIds: string[]; dispatched: boolean }> {
    const { result, rows } = await this.commit(work);
    const dispatched = (await this.dispatch(rows, this.producer)) === rows.length;
    return { result, jobIds: rows.map((r) => r.id), dispatched };
  }

  /** Runs `work` in a transaction and returns, with its result, the rows it created (not dispatched). */
  async commit<T>(
    work: (tx: OutboxTransaction) => Promise<T>,
  ): Promise<{ result: T; rows: StagedOutboxRow[] }> {
    const rows: StagedOutboxRow[] = [];
    const result = await this.dataSource.transaction(async (manager) => {
      const insert = async (row: StagedOutboxRow, idempotency: OutboxIdempotency = {}) => {
        const inserted = await this.insert(manager, row, idempotency);
        if (inserted.created) rows.push(row);
        return inserted;
      };
      return work({
        manager,
        insert,
        enqueue: async (name, payload, options = {}) =>
          (await insert(stageOutboxRow(this.producer, name, payload, options), options)).id,
        created: rows,
      });
    });
    return { result, rows };
  }

  /**
   * Eager dispatch, right after the rows' transaction committed: their prepared jobs are added
   * through `sink` (one addBulk per queue), then the rows are marked dispatched (one statement).
   * Returns how many were dispatched; on failure (Redis down) the rows stay pending for the relay.
   * `pendingOwners`: the owners PendingJobs counts these jobs against, released when they finish.
   */
  async dispatch(
    rows: readonly StagedOutboxRow[],
    sink: JobSink,
    pendingOwners: readonly string[] = [],
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    let added: AddedJob[];
    try {
      const jobs = rows.map((r) => ({ ...r.job, opts: withPendingOwners(r.job.opts, pendingOwners) }));
      added = await this.addToMark(sink, jobs);
    } catch (error) {
      await this.noteFailure(this.dataSource.manager, ids, error as Error).catch(() => undefined);
      return 0;
    }
    try {
      await this.dataSource.query(MARK_DISPATCHED, [ids, added.map((a) => a.id)]);
    } catch (error) {
      // Enqueued but not marked: the relay enqueues them again later, which BullMQ ignores (same id).
      this.logger.warn({ err: (error as Error).message }, 'could not mark outbox rows dispatched');
    }
    return ids.length;
  }

  /**
   * The relay's step: enqueue up to `limit` pending rows, oldest first. Rows younger than
   * `graceMs` are left to their eager dispatch, which may still be running.
   */
  async dispatchPending(limit: number, graceMs = 0): Promise<number> {
    return this.claimAndEnqueue(
      `created_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [graceMs],
      limit,
    );
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM outbox WHERE dispatched_at IS NULL`,
    );
    return row.n;
  }

  async find(id: string): Promise<OutboxRow | undefined> {
    const rows = await this.dataSource.query<OutboxRow[]>(`SELECT * FROM outbox WHERE id = $1`, [id]);
    return rows[0];
  }

  /**
   * Deletes dispatched rows older than `days`, bounded per call. The once-only marks of jobs as old
   * are applyOnce's: pruneProcessedJobs.
   */
  async prune(days: number, limit = 5_000): Promise<number> {
    const result = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox WHERE dispatched_at < now() - make_interval(days => $1) LIMIT $2)`,
      [days, limit],
    );
    return result[1] ?? 0;
  }

  /**
   * One staged row, with the caller's manager (it commits or rolls back with the caller's rows). With
   * an idempotency key already used by this owner, the earlier row instead (`created: false`); compare
   * `request_hash` to tell a retry from a conflicting reuse.
   */
  private async insert(
    manager: EntityManager,
    row: StagedOutboxRow,
    { idempotencyKey, requestHash }: OutboxIdempotency,
  ): Promise<InsertedOutboxRow> {
    const { job } = row;
    const rows = await manager.query<OutboxRow[]>(
      `INSERT INTO outbox (id, queue, job_name, payload, priority, delay_ms, owner_id, idempotency_key,
                           request_hash, trace_context)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING *`,
      [
        row.id,
        job.queue,
        job.name,
        JSON.stringify(job.payload),
        job.opts.priority,
        row.delayMs,
        row.ownerId,
        idempotencyKey ?? null,
        requestHash ?? null,
        job.opts.telemetry?.metadata ?? null,
      ],
    );
    if (rows[0]) return { ...rows[0], created: true };
    const [existing] = await manager.query<OutboxRow[]>(
      `SELECT * FROM outbox WHERE owner_id = $1 AND idempotency_key = $2`,
      [row.ownerId, idempotencyKey],
    );
    return { ...existing, created: false };
  }

  /**
   * Adds the jobs through `sink` and returns them once enough replicas have them (QUEUE_DISPATCH_REPLICAS)
   * for their rows to be marked dispatched; throws otherwise, and the rows stay pending. Both the eager
   * dispatch and the relay go through here.
   */
  private async addToMark(sink: JobSink, jobs: PreparedJob[]): Promise<AddedJob[]> {
    const result = await addConfirmed(sink, this.producer.acks, jobs);
    const verdict = replicationVerdict(result.replication, this.config.queue.dispatchWaitMs);
    if (!verdict.mark) throw new Error(verdict.reason);
    return result.added;
  }

  private async noteFailure(manager: EntityManager, ids: string[], error: Error): Promise<void> {
    await manager.query(
      `UPDATE outbox SET dispatch_attempts = dispatch_attempts + 1, last_error = $2 WHERE id = ANY($1::uuid[])`,
      [ids, error.message.slice(0, 500)],
    );
    this.logger.debug({ err: error.message, rows: ids.length }, 'enqueue deferred');
  }

  private async claimAndEnqueue(where: string, params: unknown[], limit: number): Promise<number> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const rows = await manager.query<OutboxRow[]>(
          `SELECT * FROM outbox
            WHERE dispatched_at IS NULL AND ${where}
            ORDER BY created_at LIMIT ${Number(limit)} FOR UPDATE SKIP LOCKED`,
          params,
        );
        if (rows.length === 0) return 0;
        const jobs: PreparedJob[] = [];
        const ready: string[] = [];
        for (const row of rows) {
          try {
            jobs.push(toPreparedJob(this.producer)(row));
            ready.push(row.id);
          } catch (error) {
            // A payload its contract no longer accepts (changed since it was written) would block
            // every batch: set it aside, with the reason, instead of retrying it forever.
            await manager.query(`UPDATE outbox SET dispatched_at = now(), last_error = $2 WHERE id = $1`, [
              row.id,
              `not enqueued: ${(error as Error).message}`.slice(0, 500),
            ]);
            this.logger.error({ id: row.id, err: (error as Error).message }, 'outbox row set aside');
          }
        }
        if (jobs.length === 0) return 0;
        let added: AddedJob[];
        try {
          added = await this.addToMark(this.producer, jobs);
        } catch (error) {
          // The rows stay pending (the next pass adds them again: a no-op for a job still queued);
          // remember why.
          await this.noteFailure(manager, ready, error as Error);
          return 0;
        }
        await manager.query(MARK_DISPATCHED, [ready, added.map((a) => a.id)]);
        return ready.length;
      });
    } catch (error) {
      // Postgres trouble: whatever was not marked stays pending and is retried.
      this.logger.warn({ err: (error as Error).message }, 'outbox dispatch failed');
      return 0;
    }
  }
}

/** An outbox row as a job: its id is the BullMQ job id, its stored priority is kept. */
function toPreparedJob(producer: JobProducer) {
  return (row: OutboxRow): PreparedJob => {
    const job = producer.prepare({
      name: row.job_name,
      payload: row.payload as never,
      jobId: row.id,
      delayMs: row.delay_ms,
      // What the row stored, not the context of whoever dispatches it (the relay has none).
      traceMetadata: row.trace_context ? JSON.stringify(row.trace_context) : null,
    });
    job.opts.priority = row.priority;
    return job;
  };
}
