import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TieredCacheModule } from '@platform/cache';
import { ConfigModule, type AppConfig } from '@platform/config';
import { DatabaseModule } from '@platform/database';
import { HealthModule } from '@platform/health';
import { HttpExceptionFilter, LifecycleModule } from '@platform/http';
import { MetricsModule } from '@platform/observability';
import { RedisModule } from '@platform/redis';
import { ResilienceModule } from '@platform/resilience';

export interface CoreOptions {
  /**
   * Serve /metrics on a listener of its own (the API: METRICS_PORT, so the public port never shows
   * them); without it, on the process's own port (the worker, whose port is operators' only).
   */
  metricsPort?: number;
}

/**
 * What every process of the platform runs, whatever its job: configuration, Redis and Postgres
 * connections, metrics, the lifecycle state and the health probes built on it, circuit breakers, the tiered cache and one JSON error envelope.
 * The API, the worker and the admin CLI import this and then only what is theirs, so the three
 * cannot drift apart.
 */
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, options: CoreOptions = {}): DynamicModule {
    const imports: Array<Type | DynamicModule> = [
      ConfigModule.forRoot({ config }),
      RedisModule,
      DatabaseModule,
      MetricsModule.forRoot(
        options.metricsPort === undefined ? {} : { port: options.metricsPort, host: config.http.host },
      ),
      LifecycleModule,
      HealthModule,
      ResilienceModule,
      TieredCacheModule,
    ];
    return {
      module: CoreModule,
      imports,
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
      // Re-exported so the app's own modules see these without importing each again.
      exports: imports,
    };
  }
}
