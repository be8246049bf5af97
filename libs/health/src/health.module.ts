import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LifecycleModule } from '@platform/http';
import { ComponentIndicators } from './component-indicators';
import { HealthController } from './health.controller';
import { RedisHealthIndicator } from './redis.indicator';

/**
 * /health, /readyz and /health/detailed, the same on both apps. The components (database, cache,
 * queues, breakers, workers) only expose their status; ComponentIndicators turns whichever of them the
 * application has into Terminus indicators.
 */
@Module({
  // Readiness failures are answered to the probe; logging each one would flood the log during an outage.
  imports: [TerminusModule.forRoot({ logger: false }), LifecycleModule],
  controllers: [HealthController],
  providers: [ComponentIndicators, RedisHealthIndicator],
  exports: [RedisHealthIndicator],
})
export class HealthModule {}
