import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@platform/config';
import { CoreModule } from '@platform/core';
import { QueueModule } from '@platform/queue';
import { ThrottlingModule } from '@platform/throttling';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { EventsModule } from './events/events.module';
import { JobsModule } from './jobs/jobs.module';
import { PIPELINE_PROVIDERS } from './pipeline/request-pipeline';
import { RecommendationsModule } from './recommendations/recommendations.module';
import { SeedApiModule } from './seed-api/seed-api.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** The API: what every process runs (CoreModule), rate limits, the producer side of the queues, the routes. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        CoreModule.forRoot(config, { metricsPort: config.http.metricsPort }),
        ThrottlingModule,
        QueueModule,
        AuthModule,
        AdminModule,
        WebhooksModule,
        RecommendationsModule,
        SeedApiModule,
        EventsModule,
        JobsModule,
      ],
      // The request pipeline's guards and interceptors, in order: see pipeline/request-pipeline.ts.
      providers: [...PIPELINE_PROVIDERS],
    };
  }
}
