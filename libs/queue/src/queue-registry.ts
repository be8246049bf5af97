import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectFlowProducer } from '@nestjs/bullmq';
import type { FlowProducer, JobType, Queue } from 'bullmq';
import { InjectConfig, type AppConfig } from '@platform/config';
import {
  closeRedis,
  REDIS_SETTINGS,
  waitUntilReady,
  type RedisConnectionSettings,
  type RedisClient,
} from '@platform/redis';
import { QUEUE_NAMES, type QueueName, type QueueSettings } from './queue-definitions';
import { addQueueCountsSource } from './queue-metrics';
import { QueueWriters } from './queue-writers';
import { QUEUE_FLOWS, QUEUE_PRODUCER_CONNECTION, QUEUE_SETTINGS, QUEUES } from './queue.tokens';

/** States counted for metrics and /health/detailed. */
export const COUNTED_STATES: JobType[] = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'waiting-children',
  'completed',
  'failed',
];

/**
 * Jobs added and not started, what backpressure bounds: waiting and prioritized (getWaitingCount
 * ignores prioritized jobs), delayed (a delayed job, or one waiting out a retry backoff, holds Redis
 * memory just the same and runs later) and flow parents waiting for their children.
 */
export const PENDING_STATES: JobType[] = ['waiting', 'prioritized', 'delayed', 'waiting-children'];

export function pendingDepth(counts: Record<string, number>): number {
  return PENDING_STATES.reduce((n, state) => n + (counts[state] ?? 0), 0);
}

/**
 * BullMQ key prefix: the platform's Redis prefix, so test runs and deployments never share queues. The
 * hash tag puts every queue key in one Redis Cluster slot: BullMQ's scripts touch several keys of a
 * queue at once, and flows touch keys of several queues.
 */
export function bullPrefix(config: { redis: Pick<AppConfig['redis'], 'keyPrefix'> }): string {
  return `${config.redis.keyPrefix}{bull}`;
}

/**
 * The producer side of every declared queue: the queues and the flow producer registered with
 * @nestjs/bullmq (QueueModule), all on one fail-fast connection (role 'bullmq-producer': no offline
 * queue, so a call while Redis is down fails at once instead of waiting for it), typed by queue name.
 */
@Injectable()
export class QueueRegistry implements OnModuleInit, OnApplicationShutdown {
  /** Where jobs are added (JobProducer); see QueueWriters. */
  readonly writers: QueueWriters;
  private readonly logger = new Logger('Queues');
  private removeSource?: () => void;

  constructor(
    @InjectConfig() config: AppConfig,
    @Inject(QUEUE_SETTINGS) readonly settings: Readonly<Record<QueueName, QueueSettings>>,
    @Inject(REDIS_SETTINGS) redisSettings: RedisConnectionSettings,
    @Inject(QUEUE_PRODUCER_CONNECTION) readonly connection: RedisClient,
    @Inject(QUEUES) private readonly queues: ReadonlyMap<QueueName, Queue>,
    @InjectFlowProducer(QUEUE_FLOWS) readonly flows: FlowProducer,
  ) {
    for (const [name, queue] of queues) {
      queue.on('error', (err) => this.logger.debug({ queue: name, err: err.message }, 'queue error'));
    }
    this.flows.on('error', () => undefined);
    this.writers =
      config.queue.dispatchReplicas > 0
        ? QueueWriters.dedicated(redisSettings, bullPrefix(config), config.queue)
        : QueueWriters.shared(this.connection, this.queues, this.flows);
  }

  async onModuleInit(): Promise<void> {
    // Boot waits briefly for Redis (as the command connection does), never indefinitely.
    const [ready] = await Promise.all([waitUntilReady(this.connection, 2_000), this.writers.ready(2_000)]);
    if (!ready) {
      this.logger.warn('Redis not reachable at boot; producers refuse until it is (the outbox keeps writes)');
    }
    this.removeSource = addQueueCountsSource(this);
  }

  get(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }

  /** True when a command could be sent now (the producer never waits for a reconnect). */
  get isConnected(): boolean {
    return this.connection.status === 'ready';
  }

  /**
   * Each queue's job counts (COUNTED_STATES), as metrics and /health/detailed show them; with
   * `settings[queue].highWaterMark` beside them, libs/health reports queues past it. Throws while the
   * producer connection is not ready.
   */
  async counts(): Promise<Array<{ queue: QueueName; counts: Record<string, number> }>> {
    if (!this.isConnected) throw new Error(`Redis connection ${this.connection.status}`);
    return Promise.all(
      QUEUE_NAMES.map(async (queue) => ({
        queue,
        counts: await this.get(queue).getJobCounts(...COUNTED_STATES),
      })),
    );
  }

  /**
   * The registered queues and flow producer are closed by @nestjs/bullmq in their own shutdown hooks
   * (QueueModule is global, so its hooks run after theirs; a queue on a shared connection never quits
   * it anyway). The connection is ours: closed here, once.
   */
  async onApplicationShutdown(): Promise<void> {
    this.removeSource?.();
    await this.writers.close();
    await closeRedis(this.connection);
  }
}
