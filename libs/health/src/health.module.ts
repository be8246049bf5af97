import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LifecycleModule } from '@platform/http';
import { HealthController } from './health.controller';
import { HealthDetailsRegistry } from './health-details.registry';
import { RedisHealthIndicator } from './redis.indicator';

/** /health, /readyz and /health/detailed, the same on both apps. */
@Global()
@Module({
  // Readiness failures are answered to the probe; logging each one would flood the log during an outage.
  imports: [TerminusModule.forRoot({ logger: false }), LifecycleModule],
  controllers: [HealthController],
  providers: [HealthDetailsRegistry, RedisHealthIndicator],
  // TerminusModule is re-exported so any lib can build indicators with HealthIndicatorService.
  exports: [TerminusModule, HealthDetailsRegistry, RedisHealthIndicator],
})
export class HealthModule {}
