import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@platform/config';
import { createPrimaryLocator } from './primary-data-source';
import { PrimaryLocator } from './primary-locator';

/**
 * One PrimaryLocator per app, shared by the pool (where new connections go) and the readiness probe
 * (which host it asks), so both follow a promotion together.
 */
@Module({
  providers: [
    {
      provide: PrimaryLocator,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createPrimaryLocator(config),
    },
  ],
  exports: [PrimaryLocator],
})
export class PrimaryLocatorModule {}
