import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TieredCacheModule } from '@platform/cache';
import { ConfigModule, type AppConfig } from '@platform/config';
import { DatabaseModule } from '@platform/database';
import { HealthModule } from '@platform/health';
import { HttpExceptionFilter, LifecycleModule } from '@platform/http';
import { MetricsModule } from '@platform/observability';
import { QueueModule } from '@platform/queue';
import { RedisModule } from '@platform/redis';
import { ResilienceModule } from '@platform/resilience';
import { ThrottlingModule } from '@platform/throttling';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { EventsModule } from './events/events.module';
import { RecommendationsModule } from './recommendations/recommendations.module';
import { SeedApiModule } from './seed-api/seed-api.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { JobsModule } from './jobs/jobs.module';
import { PIPELINE_PROVIDERS } from './pipeline/request-pipeline';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot({ config }),
        RedisModule,
        DatabaseModule,
        MetricsModule.forRoot({ port: config.http.metricsPort, host: config.http.host }),
        LifecycleModule,
        HealthModule,
        ResilienceModule,
        TieredCacheModule,
        ThrottlingModule,
        AuthModule,
        AdminModule,
        WebhooksModule,
        RecommendationsModule,
        SeedApiModule,
        EventsModule,
        QueueModule,
        JobsModule,
      ],
      // The request pipeline's guards and interceptors, in order: see pipeline/request-pipeline.ts.
      providers: [...PIPELINE_PROVIDERS, { provide: APP_FILTER, useClass: HttpExceptionFilter }],
    };
  }
}
