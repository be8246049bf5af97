import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { READ_FENCE } from '@platform/cache';
import { APP_CONFIG, type AppConfig } from '@platform/config';
import { primaryDataSourceOptions } from './primary/primary-data-source';
import { PrimaryLocator } from './primary/primary-locator';
import { PrimaryLocatorModule } from './primary/primary-locator.module';
import { PrimaryReadiness } from './primary/primary-readiness';
import { ReplicaReadFence } from './replicas/replica-read-fence';
import { ReplicaRouter } from './replicas/replica-router';
import { connectResiliently, stopReconnecting } from './resilient-data-source';

/**
 * The data source (primary) with replica routing; repositories come from `TypeOrmModule.forFeature` in
 * feature modules and route reads without knowing it (see ReplicaRouter). Global: its pools close after
 * every module that queries them (Nest runs global modules' shutdown hooks last).
 */
@Global()
@Module({
  imports: [
    PrimaryLocatorModule,
    TypeOrmModule.forRootAsync({
      imports: [PrimaryLocatorModule],
      inject: [APP_CONFIG, PrimaryLocator],
      useFactory: async (config: AppConfig, locator: PrimaryLocator) => ({
        ...(await primaryDataSourceOptions(config, undefined, locator)),
        manualInitialization: true,
      }),
      dataSourceFactory: (options?: DataSourceOptions) => connectResiliently(options!),
    }),
  ],
  // READ_FENCE: the tiered cache's reloads after an invalidation wait for the write (see ReplicaReadFence).
  providers: [
    ReplicaRouter,
    PrimaryReadiness,
    ReplicaReadFence,
    { provide: READ_FENCE, useExisting: ReplicaReadFence },
  ],
  exports: [TypeOrmModule, ReplicaRouter, READ_FENCE],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onApplicationShutdown(): void {
    stopReconnecting(this.dataSource);
  }
}
