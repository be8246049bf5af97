import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '@platform/config';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { anonymousTtlMs, CallerRateLimitGuard, GlobalRateLimitGuard } from './rate-limit.guards';
import { ThrottleService } from './throttle.service';

/**
 * Rate limiting for an HTTP app: the guards its request pipeline puts in order (GlobalRateLimitGuard
 * first: per client IP, or the failed-auth bucket on authenticated routes; CallerRateLimitGuard after
 * auth) and the ThrottleService they share. Needs ConfigModule, RedisModule and ResilienceModule.
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
  providers: [ThrottleService, AuthFailureLimiter, CallerRateLimitGuard, GlobalRateLimitGuard],
  exports: [ThrottleService, AuthFailureLimiter, CallerRateLimitGuard, GlobalRateLimitGuard],
})
export class ThrottlingModule {}
