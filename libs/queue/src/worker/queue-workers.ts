import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { Worker } from 'bullmq';
import type { DataSource } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';
import { HealthDetailsRegistry } from '@platform/health';
import { bullmqTelemetry, requestIdOfJob } from '@platform/observability';
import {
  closeRedis,
  createRedis,
  REDIS_SETTINGS,
  type RedisConnectionSettings,
  type RedisClient,
} from '@platform/redis';
import { PendingJobs, pendingRelease } from '../pending/pending-jobs';
import type { QueueName, QueueSettings } from '../queue-definitions';
import { bullPrefix } from '../queue-registry';
import { QUEUE_SETTINGS } from '../queue.tokens';
import { JobReturnedError, JobRunner } from './job-runner';
import { QUEUE_PROCESSOR, type QueueProcessor } from './queue-processor';

interface RunningQueue {
  queue: QueueName;
  worker: Worker;
  runner: JobRunner;
}

/**
 * Starts one BullMQ worker per @ProcessorFor provider. Workers are created paused (autorun false)
 * and start only once Redis and Postgres answer. On shutdown they stop taking jobs, active jobs get
 * until WORKER_SHUTDOWN_DEADLINE_MS to finish, and whatever is still running is handed back to the
 * queue (moved to wait, its signal aborted) so another worker picks it up at once.
 */
@Injectable()
export class QueueWorkers
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('QueueWorkers');
  private readonly running: RunningQueue[] = [];
  private connection?: RedisClient;
  private startTimer?: NodeJS.Timeout;
  private state: 'starting' | 'running' | 'stopping' | 'stopped' = 'starting';

  constructor(
    private readonly discovery: DiscoveryService,
    @InjectConfig() private readonly config: AppConfig,
    @Inject(QUEUE_SETTINGS) private readonly settings: Readonly<Record<QueueName, QueueSettings>>,
    @Inject(REDIS_SETTINGS) private readonly redisSettings: RedisConnectionSettings,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly healthDetails: HealthDetailsRegistry,
    private readonly indicators: HealthIndicatorService,
    private readonly pending: PendingJobs,
  ) {}

  onApplicationBootstrap(): void {
    const processors = this.discovery
      .getProviders()
      .filter((w) => w.instance && w.metatype && Reflect.getMetadata(QUEUE_PROCESSOR, w.metatype))
      .map((w) => ({
        queue: Reflect.getMetadata(QUEUE_PROCESSOR, w.metatype!) as QueueName,
        instance: w.instance as QueueProcessor<QueueName>,
      }));
    if (processors.length === 0) return;
    // Role 'bullmq-worker': maxRetriesPerRequest null, waits through Redis outages instead of failing.
    this.connection = createRedis('bullmq-worker', this.redisSettings);
    this.connection.on('error', () => undefined);
    const seen = new Set<QueueName>();
    for (const { queue, instance } of processors) {
      if (seen.has(queue)) throw new Error(`Two processors for queue ${queue}`);
      seen.add(queue);
      const settings = this.settings[queue];
      const runner = new JobRunner(queue, settings, instance.handlers);
      const worker = new Worker(queue, runner.process, {
        connection: this.connection,
        prefix: bullPrefix(this.config),
        autorun: false,
        telemetry: bullmqTelemetry(),
        concurrency: settings.concurrency,
        lockDuration: this.config.queue.stalledIntervalMs,
        stalledInterval: this.config.queue.stalledIntervalMs,
        maxStalledCount: 1,
        // The finished-jobs counter the producers' backpressure derives its drain rate from.
        metrics: { maxDataPoints: 24 * 60 },
        removeOnComplete: {
          count: settings.retention.completed.count,
          age: settings.retention.completed.ageSeconds,
        },
        removeOnFail: { count: settings.retention.failed.count, age: settings.retention.failed.ageSeconds },
      });
      worker.on('error', (err) => this.logger.warn({ queue, err: err.message }, 'worker error'));
      worker.on('completed', (job) => this.releasePending(pendingRelease(job, 'completed')));
      worker.on('failed', (job, err) => {
        // finishedOn is set only when the job failed for good (no retry left, or unrecoverable).
        if (job?.finishedOn) this.releasePending(pendingRelease(job, 'failed'));
        if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
          const requestId = requestIdOfJob(job.opts.telemetry?.metadata);
          this.logger.warn(
            { queue, jobId: job.id, name: job.name, requestId, err: err.message },
            'job failed for good',
          );
        }
      });
      this.running.push({ queue, worker, runner });
    }
    this.registerHealth();
    this.startWhenReady();
  }

  /** Queues being worked, and whether workers are running. */
  status() {
    return {
      state: this.state,
      queues: this.running.map((r) => ({
        queue: r.queue,
        running: r.worker.isRunning(),
        concurrency: r.worker.concurrency,
        active: r.runner.active.size,
      })),
    };
  }

  /** The job left the queue: its owners' pending slots are free (expiry covers a release lost here). */
  private releasePending(release: { owners: string[]; id: string } | undefined): void {
    if (!release || !this.connection) return;
    this.pending.release(release.owners, release.id, this.connection).catch((err: Error) => {
      this.logger.warn({ jobId: release.id, err: err.message }, 'could not release a pending slot');
    });
  }

  private startWhenReady(): void {
    const attempt = async () => {
      if (this.state !== 'starting') return;
      if (await this.dependenciesReady()) {
        this.state = 'running';
        for (const { queue, worker } of this.running) {
          worker
            .run()
            .catch((err: Error) => this.logger.error({ queue, err: err.message }, 'worker stopped'));
        }
        this.logger.log({ queues: this.running.map((r) => r.queue) }, 'workers started');
        return;
      }
      this.startTimer = setTimeout(() => void attempt(), 500);
    };
    void attempt();
  }

  private async dependenciesReady(): Promise<boolean> {
    try {
      if (!this.dataSource.isInitialized || this.connection?.status !== 'ready') return false;
      await Promise.all([this.dataSource.query('SELECT 1'), this.connection.ping()]);
      return true;
    } catch {
      return false;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.startTimer);
    if (this.state === 'stopped' || this.running.length === 0) return;
    this.state = 'stopping';
    const deadlineMs = this.config.queue.workerShutdownDeadlineMs;
    const active = () => this.running.reduce((n, r) => n + r.runner.active.size, 0);
    this.logger.log({ active: active(), deadlineMs }, 'stopping workers');
    // close() stops fetching at once and resolves when the active jobs have finished.
    const closed = Promise.allSettled(this.running.map((r) => r.worker.close()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((r) => (timer = setTimeout(() => r('deadline'), deadlineMs)));
    const outcome = await Promise.race([closed.then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      const returned = await this.returnActiveJobs();
      this.logger.warn({ returned }, 'shutdown deadline reached; active jobs returned to the queue');
      await closed;
    }
    this.state = 'stopped';
    this.logger.log('workers stopped');
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.state !== 'stopped') await this.beforeApplicationShutdown();
    if (this.connection) await closeRedis(this.connection);
  }

  private async returnActiveJobs(): Promise<number> {
    let returned = 0;
    await Promise.all(
      this.running.flatMap(({ runner }) =>
        [...runner.active.values()].map(async ({ job, token, controller }) => {
          try {
            await job.moveToWait(token);
            returned += 1;
          } catch (err) {
            // The lock is gone already: the stalled check returns it instead.
            this.logger.warn({ jobId: job.id, err: (err as Error).message }, 'could not return job');
          }
          controller.abort(new JobReturnedError());
        }),
      ),
    );
    return returned;
  }

  private registerHealth(): void {
    // Readiness, not only details: a worker whose consumers are not running must say so to its
    // orchestrator (a health check on another connection would report healthy while jobs stall).
    this.healthDetails.registerReadiness('workers', () => {
      const session = this.indicators.check('workers');
      const status = this.status();
      return status.state === 'running' ? session.up(status) : session.down(status);
    });
  }
}
