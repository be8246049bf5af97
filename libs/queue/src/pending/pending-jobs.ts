import { Injectable } from '@nestjs/common';
import type { Job, JobsOptions } from 'bullmq';
import { InjectConfig, type AppConfig } from '@platform/config';
import type { RedisClient } from '@platform/redis';
import {
  producerTimeoutMs,
  QueueUnavailableError,
  TooManyPendingJobsError,
  withTimeout,
} from '../producer/queue-errors';
import { bullPrefix, QueueRegistry } from '../queue-registry';
import { RESERVE_PENDING_LUA } from './pending-jobs.lua';

/** An owner of jobs (an API key `key:<id>`; later a tenant `tenant:<id>`) and its cap. */
export interface PendingOwner {
  owner: string;
  cap: number;
}

/**
 * How long a job may stay pending before its reservation lapses on its own, after its delay: a job
 * still queued after an hour means the queue is jammed, and then its high-water mark bounds it. This
 * only matters when a release was lost (a worker killed between finishing a job and releasing it).
 */
export const PENDING_HORIZON_MS = 3_600_000;
/** A slot frees as soon as one of the owner's jobs finishes; a short hint, not a promise. */
const RETRY_AFTER_S = 5;
/** The job option naming the owners a job counts against (BullMQ keeps unknown options as they are). */
const OWNERS_OPTION = 'pendingOwners';

type ReserveScript = (...args: Array<string | number>) => Promise<[number, number]>;

/**
 * A cap on the jobs one owner has queued or delayed, counted in Redis so it holds across API
 * instances and restarts: one sorted set per owner, a member per job id added at admission (one Lua
 * call checks every owner's cap and adds to all, or to none) and removed when a worker finishes the
 * job for good. Members carry an expiry (delay + PENDING_HORIZON_MS) and expired ones are dropped on
 * every admission, so the count heals itself. The sets share the queues' hash tag: on a Redis Cluster
 * every owner's set and every queue key sit in one slot, so one script may touch several owners (a key
 * and its tenant) and, later, the queue's own keys.
 */
@Injectable()
export class PendingJobs {
  private readonly prefix: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly registry: QueueRegistry,
    @InjectConfig() config: AppConfig,
  ) {
    this.prefix = `${bullPrefix(config)}:pending:`;
    this.timeoutMs = producerTimeoutMs(config);
  }

  /**
   * Counts job `id` against each owner, or throws TooManyPendingJobsError (429) for the first owner at
   * its cap (nothing is counted then). QueueUnavailableError while Redis cannot be asked.
   */
  async reserve(owners: readonly PendingOwner[], id: string, delayMs = 0): Promise<void> {
    if (owners.length === 0) return;
    if (!this.registry.isConnected)
      throw new QueueUnavailableError(`Redis ${this.registry.connection.status}`);
    let refusedBy: number;
    let count: number;
    try {
      [refusedBy, count] = await withTimeout(
        this.script(this.registry.connection)(
          owners.length,
          ...owners.map((o) => this.key(o.owner)),
          id,
          delayMs + PENDING_HORIZON_MS,
          ...owners.map((o) => o.cap),
        ),
        this.timeoutMs,
        'pending-jobs reserve',
      );
    } catch (error) {
      // A Redis that refuses writes (OOM under noeviction) or stopped answering: unavailable, not a 500.
      if (error instanceof QueueUnavailableError) throw error;
      throw new QueueUnavailableError((error as Error).message);
    }
    if (refusedBy > 0) {
      const { owner, cap } = owners[refusedBy - 1];
      throw new TooManyPendingJobsError(owner, Math.min(cap, count), RETRY_AFTER_S);
    }
  }

  /** Stops counting job `id` (it finished, or was never written). Best effort: expiry covers a loss. */
  async release(
    owners: readonly string[],
    id: string,
    client: RedisClient = this.registry.connection,
  ): Promise<void> {
    if (owners.length === 0) return;
    const pipeline = client.pipeline();
    for (const owner of owners) pipeline.zrem(this.key(owner), id);
    await pipeline.exec();
  }

  /** How many jobs an owner has pending now (for tests and operators). */
  async count(owner: string): Promise<number> {
    const key = this.key(owner);
    await this.registry.connection.zremrangebyscore(key, '-inf', Date.now());
    return this.registry.connection.zcard(key);
  }

  private key(owner: string): string {
    return `${this.prefix}${owner}`;
  }

  private script(client: RedisClient): ReserveScript {
    const commands = client as unknown as Record<string, ReserveScript | undefined>;
    if (!commands.platformReservePending) {
      client.defineCommand('platformReservePending', { lua: RESERVE_PENDING_LUA });
    }
    return commands.platformReservePending!.bind(client);
  }
}

/** Job options that make the job count against `owners` until a worker finishes it. */
export function withPendingOwners(opts: JobsOptions, owners: readonly string[]): JobsOptions {
  return owners.length > 0 ? ({ ...opts, [OWNERS_OPTION]: [...owners] } as JobsOptions) : opts;
}

/** The owners option of `opts` alone: a flow's children carry their parent's (see pendingRelease). */
export function pendingOwnersOption(opts: JobsOptions): JobsOptions {
  const owners = (opts as Record<string, unknown>)[OWNERS_OPTION];
  return Array.isArray(owners) ? ({ [OWNERS_OPTION]: owners } as JobsOptions) : {};
}

/**
 * What a worker releases when a job ends: its own id when it completes or fails for good; a flow
 * child's failure fails its parent (failParentOnFailure), so it releases the parent's id. A child
 * that completes releases nothing (its parent is still pending).
 */
export function pendingRelease(
  job: Job,
  outcome: 'completed' | 'failed',
): { owners: string[]; id: string } | undefined {
  const owners = (job.opts as Record<string, unknown>)[OWNERS_OPTION];
  if (!Array.isArray(owners) || owners.length === 0 || !job.id) return undefined;
  const parentId = job.parent?.id;
  if (outcome === 'completed') return parentId ? undefined : { owners: owners as string[], id: job.id };
  return { owners: owners as string[], id: parentId ?? job.id };
}
