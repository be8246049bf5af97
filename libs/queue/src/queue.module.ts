import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '@platform/config';
import { Outbox } from './outbox/outbox.service';
import { PendingJobs } from './pending/pending-jobs';
import { JobProducer } from './producer/job-producer';
import { RedisMemory } from './producer/redis-memory';
import { queueSettings } from './queue-definitions';
import { QueueRegistry } from './queue-registry';
import { QUEUE_SETTINGS } from './queue.tokens';
import { QueueWorkers } from './worker/queue-workers';

/** Producers, the outbox and queue metrics/health: import once in each app. */
@Global()
@Module({
  providers: [
    { provide: QUEUE_SETTINGS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => queueSettings(c) },
    QueueRegistry,
    RedisMemory,
    JobProducer,
    PendingJobs,
    Outbox,
  ],
  exports: [QUEUE_SETTINGS, QueueRegistry, RedisMemory, JobProducer, PendingJobs, Outbox],
})
export class QueueModule {}

/** The consumer side (worker app only): runs every @ProcessorFor provider. */
@Module({})
export class QueueWorkerModule {
  static forProcessors(processors: Array<new (...args: never[]) => unknown>): DynamicModule {
    return {
      module: QueueWorkerModule,
      imports: [DiscoveryModule],
      providers: [...processors, QueueWorkers],
      exports: [QueueWorkers],
    };
  }
}
