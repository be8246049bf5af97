import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@platform/config';
import { primaryDataSourceOptions } from './primary/primary-data-source';
import { PrimaryLocator } from './primary/primary-locator';
import { PrimaryLocatorModule } from './primary/primary-locator.module';
import { PrimaryReadiness } from './primary/primary-readiness';
import { ReplicaRouter } from './replicas/replica-router';
import { connectResiliently, stopReconnecting } from './resilient-data-source';

/**
 * The data source (primary) with replica routing; repositories come from `TypeOrmModule.forFeature` in
 * feature modules and route reads without knowing it (see ReplicaRouter).
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
  providers: [ReplicaRouter, PrimaryReadiness],
  exports: [TypeOrmModule, ReplicaRouter],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onApplicationShutdown(): void {
    stopReconnecting(this.dataSource);
  }
}
