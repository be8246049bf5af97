import { Module, type DynamicModule } from '@nestjs/common';
import { TieredCacheModule } from '@platform/cache';
import type { AppConfig } from '@platform/config';
import { CoreModule } from '@platform/core';
import { QueueModule, QueueWorkerModule } from '@platform/queue';
import { OutboxRelay } from './outbox/outbox-relay';
import { PROCESSORS } from './processors';
import { DataRetention } from './retention/data-retention';

/** The worker: queue consumers and the outbox relay; its only HTTP is probes and metrics. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        CoreModule.forRoot(config),
        QueueModule,
        // The recommendations processor reads and invalidates through the tiered cache.
        QueueWorkerModule.forProcessors(PROCESSORS, [TieredCacheModule]),
      ],
      providers: [OutboxRelay, DataRetention],
    };
  }
}
