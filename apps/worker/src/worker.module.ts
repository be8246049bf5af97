import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ConfigModule, type AppConfig } from '@platform/config';
import { DatabaseModule } from '@platform/database';
import { HealthModule } from '@platform/health';
import { HttpExceptionFilter } from '@platform/http';
import { MetricsModule } from '@platform/observability';
import { RedisModule } from '@platform/redis';
import { ResilienceModule } from '@platform/resilience';

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
        MetricsModule,
        HealthModule,
        ResilienceModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
    };
  }
}
