import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TieredCacheModule } from '@platform/cache';
import { ConfigModule, type AppConfig } from '@platform/config';
import { DatabaseModule } from '@platform/database';
import { HealthModule } from '@platform/health';
import { HttpExceptionFilter, LifecycleModule } from '@platform/http';
import { MetricsModule } from '@platform/observability';
import { QueueModule, QueueWorkerModule } from '@platform/queue';
import { RedisModule } from '@platform/redis';
import { ResilienceModule } from '@platform/resilience';
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
        ConfigModule.forRoot({ config }),
        RedisModule,
        DatabaseModule,
        MetricsModule.forRoot(),
        LifecycleModule,
        HealthModule,
        ResilienceModule,
        TieredCacheModule,
        QueueModule,
        QueueWorkerModule.forProcessors(PROCESSORS),
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }, OutboxRelay, DataRetention],
    };
  }
}
