import type { Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { HttpCacheInterceptor } from '@platform/cache';
import type { AppConfig } from '@platform/config';
import { installLoadShedding } from '@platform/resilience';
import { CallerThrottleGuard, GlobalThrottleGuard } from '@platform/throttling';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ConsistencyInterceptor } from '../auth/consistency.interceptor';
import { CachedReadFastPath } from './cached-read-fast-path';
import { FastPathLearner, FastPathRoutes } from './fast-path-routes';

/*
 * The API's request pipeline, in the order every request meets it. This file is the one place it is
 * declared; routes only mark what applies to them (@ApiKeyAuth, @AdminAuth, @ThrottleCost,
 * @SkipThrottle, @CachedResponse).
 *
 *   Fastify hooks, before Nest                                     where
 *   1. request id, then (on response) metrics + access-log line    libs/http createFastifyAdapter
 *   2. load shedding: 503 + Retry-After while overloaded           libs/resilience installLoadShedding
 *   3. cached-read fast path: a GET whose response is in L1 is     CachedReadFastPath
 *      answered here, with steps 4-9's semantics (not for an
 *      address that failed auth lately)
 *   Nest: guards in this order, then interceptors in this order, then the handler
 *   4. per-IP bucket (anonymous routes; authenticated routes       GlobalThrottleGuard
 *      pass on to their auth step)
 *   5. auth: API key (@ApiKeyAuth) / admin token (@AdminAuth),     ApiKeyGuard / AdminTokenGuard
 *      each drawing on the address's failed-auth bucket before     (AuthFailureLimiter; Bull
 *      it checks: no I/O for a malformed key, none for a key the   Board's basic auth, mounted
 *      cache knows, an attempt reserved before a lookup            beside, uses it too)
 *   6. throttle: the caller's tier bucket, through token leases    CallerThrottleGuard
 *   7. consistency: read-your-writes scope (only with replicas)    ConsistencyInterceptor
 *   8. the fast path learns the routes it may answer               FastPathLearner
 *   9. cache: @CachedResponse GETs (X-Cache, ETag, 304)            HttpCacheInterceptor
 *  10. validation pipes, the handler, its service
 *   Errors from any step: one JSON envelope (HttpExceptionFilter, toErrorResponse).
 */

/** Steps 4-9, in order (Nest runs global guards and interceptors in the order they are provided). */
export const PIPELINE_PROVIDERS: Provider[] = [
  FastPathRoutes,
  FastPathLearner,
  CachedReadFastPath,
  { provide: APP_GUARD, useExisting: GlobalThrottleGuard },
  { provide: APP_GUARD, useExisting: ApiKeyGuard },
  { provide: APP_GUARD, useExisting: CallerThrottleGuard },
  { provide: APP_INTERCEPTOR, useExisting: ConsistencyInterceptor },
  { provide: APP_INTERCEPTOR, useExisting: FastPathLearner },
  { provide: APP_INTERCEPTOR, useExisting: HttpCacheInterceptor },
];

/** Steps 2 and 3 (step 1 is installed with the Fastify adapter). */
export async function installPipelineHooks(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  await installLoadShedding(fastify, config.loadShedding);
  const fastPath = app.get(CachedReadFastPath);
  // After load shedding's hook: an overloaded instance sheds cached reads too. Callback style, so a
  // request the fast path does not answer (most of them are decided synchronously) costs no promise.
  fastify.addHook('onRequest', (request, reply, done) => {
    const answered = fastPath.tryAnswer(request, reply);
    if (answered === false) return done();
    if (answered === true) return;
    answered.then(
      (sent) => (sent ? undefined : done()),
      (error: Error) => done(error),
    );
  });
}
