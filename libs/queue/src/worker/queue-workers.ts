import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Processor } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Worker } from 'bullmq';
import type { DataSource } from 'typeorm';
import { InjectConfig, type AppConfig } from '@platform/config';
import { requestIdOfJob } from '@platform/observability';
import { closeRedis, type RedisClient } from '@platform/redis';
import { PendingJobs, pendingRelease } from '../pending/pending-jobs';
import type { QueueName, QueueSettings } from '../queue-definitions';
import { QUEUE_PROCESSORS, QUEUE_SETTINGS, QUEUE_WORKER_CONNECTION } from '../queue.tokens';
import { JobReturnedError, JobRunner } from './job-runner';
import type { RegisteredProcessor } from './queue-worker.module';
import { workerOptions } from './worker-options';

interface RunningQueue {
  queue: QueueName;
  worker: Worker;
  runner: JobRunner;
}

/**
 * Runs the worker of each processor. @nestjs/bullmq creates the workers (paused: autorun false)
 * from the @Processor metadata set here; they start only once Redis and Postgres answer. On
 * shutdown they stop taking jobs, active jobs get until WORKER_SHUTDOWN_DEADLINE_MS to finish, and
 * whatever is still running is handed back to the queue (moved to wait, its signal aborted) so
 * another worker picks it up at once.
 */
@Injectable()
export class QueueWorkers
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('QueueWorkers');
  private readonly running: RunningQueue[] = [];
  private startTimer?: NodeJS.Timeout;
  private state: 'starting' | 'running' | 'stopping' | 'stopped' = 'starting';

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @Inject(QUEUE_SETTINGS) private readonly settings: Readonly<Record<QueueName, QueueSettings>>,
    @Inject(QUEUE_WORKER_CONNECTION) private readonly connection: RedisClient,
    @Inject(QUEUE_PROCESSORS) private readonly processors: readonly RegisteredProcessor[],
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pending: PendingJobs,
  ) {
    // Here, while providers are created: @nestjs/bullmq reads this metadata when it builds the
    // workers (onModuleInit), and the options come from this application's config and connection.
    for (const { queue, host } of processors) {
      Processor({ name: queue }, workerOptions(settings[queue], config, connection))(host);
    }
  }

  onApplicationBootstrap(): void {
    for (const { queue, instance } of this.processors) {
      const runner = new JobRunner(queue, this.settings[queue], instance.handlers);
      instance.runWith(runner);
      const { worker } = instance;
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
    this.startWhenReady();
  }

  /**
   * Queues being worked, and whether workers are running. libs/health makes it a readiness component
   * (`workers`, down unless running): a worker whose consumers are not running must say so to its
   * orchestrator (a health check on another connection would report healthy while jobs stall).
   */
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
    if (!release) return;
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
      if (!this.dataSource.isInitialized || this.connection.status !== 'ready') return false;
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

  /**
   * The workers are closed by now (above; @nestjs/bullmq closes them again in its own hook, which
   * only awaits the same close). The connection they shared is ours: closed here, once.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.state !== 'stopped') await this.beforeApplicationShutdown();
    await closeRedis(this.connection);
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
}
