import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '@platform/config';
import { CREDENTIAL_ATTEMPTS } from '@platform/security';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { anonymousTtlMs, CallerThrottleGuard, GlobalThrottleGuard } from './throttle.guards';
import { ThrottleService } from './throttle.service';

/**
 * Rate limiting for an HTTP app: the guards its request pipeline puts in order (GlobalThrottleGuard
 * first: per client IP on anonymous routes; CallerThrottleGuard after auth), the ThrottleService
 * they share, and the failed-auth bucket every auth check draws on (AuthFailureLimiter, also
 * provided as @platform/security's CREDENTIAL_ATTEMPTS). Needs ConfigModule, RedisModule and
 * ResilienceModule. Global: AdminTokenGuard (@platform/security) resolves CREDENTIAL_ATTEMPTS inside
 * whichever module uses the guard.
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
    { provide: CREDENTIAL_ATTEMPTS, useExisting: AuthFailureLimiter },
    CallerThrottleGuard,
    GlobalThrottleGuard,
  ],
  exports: [
    ThrottleService,
    AuthFailureLimiter,
    CREDENTIAL_ATTEMPTS,
    CallerThrottleGuard,
    GlobalThrottleGuard,
  ],
})
export class ThrottlingModule {}
