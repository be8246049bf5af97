import { Injectable, Logger } from '@nestjs/common';
import { ReplicaRouter, type GroupCommitOptions } from '@platform/database';
import { Outbox, type OutboxTransaction } from '../outbox/outbox.service';
import type { StagedOutboxRow } from '../outbox/staged-outbox-rows';
import { PendingJobs, type PendingOwner } from '../pending/pending-jobs';
import { AdmittedProducer } from '../producer/admitted-producer';
import { QueueUnavailableError } from '../producer/queue-errors';
import type { QueueName } from '../queue-definitions';
import { DurableBatch, type BatchCommit } from './durable-batch';

/** Jobs a write will add to one queue, and their payload bytes (0: not known yet). */
export interface Admission {
  queue: QueueName;
  count: number;
  bytes?: number;
}

export interface DurableWrite<T> {
  /** What the write will add: refused as a whole (503) before anything is written. */
  admit: readonly Admission[];
  /** Pending-job caps: each row created is counted inside the transaction, so a 429 rolls it back. */
  owners?: readonly PendingOwner[];
  /** Keys whose next reads must see this write (read-your-writes on replicas); called only with replicas. */
  positionKeys?: () => Iterable<string>;
  /** The caller's rows, and its outbox rows through tx.insert / tx.enqueue. */
  work: (tx: OutboxTransaction) => Promise<T>;
}

/**
 * The one way the API makes a durable write: admit → transaction (the caller's rows with their outbox
 * rows, each job prepared once) → write position → dispatch of the prepared jobs (WAIT-confirmed;
 * what fails stays in the outbox for the relay). `write` is one request in one transaction;
 * `batched` is many requests in one statement (group commit), each admitted on its own.
 */
@Injectable()
export class DurableWrites {
  private readonly logger = new Logger('DurableWrites');

  constructor(
    private readonly outbox: Outbox,
    private readonly producer: AdmittedProducer,
    private readonly pending: PendingJobs,
    private readonly router: ReplicaRouter,
  ) {}

  /** Returns the work's result, the ids of the jobs it created and whether they reached Redis. */
  async write<T>(write: DurableWrite<T>): Promise<{ result: T; jobIds: string[]; dispatched: boolean }> {
    await this.admit(write.admit);
    const owners = write.owners ?? [];
    const reserved: StagedOutboxRow[] = [];
    const { result, rows } = await this.outbox
      .commit(async (tx) => {
        const result = await write.work(tx);
        // Counted inside the transaction: a caller at its cap (429) rolls the rows back, and a replayed
        // idempotency key (no new row) is not counted again.
        for (const row of tx.created) if (await this.reserve(owners, row)) reserved.push(row);
        return result;
      })
      .catch(async (error: unknown) => {
        for (const row of reserved) await this.release(owners, row);
        throw error;
      });
    await this.recordPosition(write.positionKeys);
    const owned = owners.map((o) => o.owner);
    const dispatched = await this.dispatch(rows, owned);
    return { result, jobIds: rows.map((r) => r.id), dispatched: dispatched === rows.length };
  }

  /**
   * A group-committed writer: `commit` writes a batch's items in one statement and returns the rows
   * it wrote; the batch then records one write position and dispatches its rows off the request path.
   */
  batched<I, R>(
    options: GroupCommitOptions,
    commit: (items: I[]) => Promise<BatchCommit<R>>,
  ): DurableBatch<I, R> {
    return new DurableBatch(this, options, commit);
  }

  /**
   * 503 + Retry-After over a queue's high-water mark or with Redis nearly full. Redis unreachable is
   * no refusal: the depth is unknown, but the outbox keeps the jobs until Redis is back.
   */
  async admit(admissions: readonly Admission[]): Promise<void> {
    for (const { queue, count, bytes } of admissions) {
      try {
        await this.producer.admit(queue, count, bytes);
      } catch (error) {
        if (!(error instanceof QueueUnavailableError)) throw error;
      }
    }
  }

  /**
   * After commit, before anyone is answered or any job runs: the keys' next reads (and a job reading
   * as them) use only replicas that have replayed this commit. Without replicas there is nothing to do.
   */
  async recordPosition(keys?: () => Iterable<string>): Promise<void> {
    if (!keys || !this.router.routesReads) return;
    await this.router.rememberWrite([...keys()]).catch((error: Error) => {
      this.logger.warn({ err: error.message }, 'could not record the write position; reads may lag');
    });
  }

  /** The committed rows' prepared jobs, through admission (which settles what it let in). */
  dispatch(rows: readonly StagedOutboxRow[], pendingOwners: readonly string[] = []): Promise<number> {
    return this.outbox.dispatch(rows, this.producer, pendingOwners);
  }

  /**
   * True when counted. Redis unreachable: not counted (the outbox holds the job in Postgres, not in
   * Redis, until Redis is back); TooManyPendingJobsError goes out as 429 + Retry-After.
   */
  private async reserve(owners: readonly PendingOwner[], row: StagedOutboxRow): Promise<boolean> {
    if (owners.length === 0) return false;
    try {
      await this.pending.reserve(owners, row.id, row.delayMs);
      return true;
    } catch (error) {
      if (error instanceof QueueUnavailableError) return false;
      throw error;
    }
  }

  private async release(owners: readonly PendingOwner[], row: StagedOutboxRow): Promise<void> {
    await this.pending
      .release(
        owners.map((o) => o.owner),
        row.id,
      )
      .catch(() => undefined); // expiry covers it
  }
}
