import { Module, type DynamicModule } from '@nestjs/common';
import { TieredCacheModule } from '@platform/cache';
import { ConfigModule, type AppConfig } from '@platform/config';
import { DatabaseModule } from '@platform/database';
import { MetricsModule } from '@platform/observability';
import { RedisModule } from '@platform/redis';
import { ResilienceModule } from '@platform/resilience';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from '@platform/database';
import { ApiKeysService } from '../../auth/api-keys.service';
import { TenantsModule } from '../../tenants/tenants.module';
import { TiersModule } from '../../tiers/tiers.module';

/**
 * What the admin CLI needs and nothing of HTTP: the same services the admin routes use (API keys,
 * tiers, tenants), over the same database and cache, so a change made here reaches every running instance
 * through the cache's invalidation bus exactly as a change through the routes does.
 */
@Module({})
export class AdminCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AdminCliModule,
      imports: [
        ConfigModule.forRoot({ config }),
        RedisModule,
        DatabaseModule,
        MetricsModule.forRoot(),
        ResilienceModule,
        TieredCacheModule,
        TypeOrmModule.forFeature([ApiKey]),
        TiersModule,
        TenantsModule,
      ],
      // The service classes themselves, not the HTTP modules around them (no guards or controllers).
      providers: [ApiKeysService],
    };
  }
}
