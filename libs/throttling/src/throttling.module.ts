import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '@platform/config';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { anonymousTtlMs, CallerRateLimitGuard, GlobalRateLimitGuard } from './rate-limit.guards';
import { ThrottleService } from './throttle.service';

/**
 * Rate limiting for an HTTP app: a global guard (per client IP, failed-auth bucket on authenticated
 * routes) and the caller guard used by `AuthThenThrottle`. Needs ConfigModule, RedisModule and
 * ResilienceModule.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          { name: 'default', limit: config.throttle.anonymous.burst, ttl: anonymousTtlMs(config) },
        ],
        // Headers are written by our guard (IETF RateLimit-*), not the X-RateLimit-* ones.
        setHeaders: false,
      }),
    }),
  ],
  providers: [
    ThrottleService,
    AuthFailureLimiter,
    CallerRateLimitGuard,
    { provide: APP_GUARD, useClass: GlobalRateLimitGuard },
  ],
  exports: [ThrottleService, AuthFailureLimiter, CallerRateLimitGuard],
})
export class ThrottlingModule {}
