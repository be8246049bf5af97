import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  cacheScopeKey,
  etagMatches,
  httpCacheKey,
  markScopedResponse,
  TieredCache,
  X_CACHE,
  type CachedBody,
} from '@platform/cache';
import { ApiError, toErrorResponse } from '@platform/http';
import { nameServerSpanAfterRoute } from '@platform/observability';
import {
  AuthFailureLimiter,
  rateLimitHeaders,
  subjectBucket,
  ThrottleService,
  type BucketDecision,
} from '@platform/throttling';
import { throttleSubjectOf } from '../auth/caller';
import { CallerResolver } from '../auth/caller-resolver';
import { fastPathCounter } from './fast-path-metrics';
import { FastPathRoutes } from './fast-path-routes';

const LIMITED_MESSAGE = 'Rate limit exceeded; retry after the time in Retry-After';

/**
 * The cached-read fast path: a GET of a learned @CachedResponse route whose response is in this
 * instance's L1 is answered in a Fastify onRequest hook, without entering Nest's guard and interceptor
 * chain, with the same semantics: the caller resolved by the same rules (from L1 copies the
 * invalidation bus keeps exact), the same token taken from the same bucket, the same RateLimit-*,
 * X-Cache, ETag/304 and Cache-Control headers, the same 429 envelope; metrics and the access log come
 * from the same onResponse hook. Anything else (no caller or tier in L1, a recent failed auth from the
 * address, no entry) returns without answering and the request continues down the full pipeline.
 */
@Injectable()
export class CachedReadFastPath {
  private readonly answered = fastPathCounter().labels('answered');
  private readonly passed = fastPathCounter().labels('passed');

  constructor(
    private readonly routes: FastPathRoutes,
    private readonly callers: CallerResolver,
    private readonly throttle: ThrottleService,
    private readonly authFailures: AuthFailureLimiter,
    private readonly cache: TieredCache,
  ) {}

  /**
   * Answers the request (true) or leaves it to the full pipeline (false); a promise of either only
   * when this process must ask Redis for a token lease first.
   */
  tryAnswer(request: FastifyRequest, reply: FastifyReply): boolean | Promise<boolean> {
    if (request.method !== 'GET') return false;
    const route = this.routes.get(request.routeOptions.url);
    if (!route) return false;
    const caller = this.callers.resolveCached(request.headers);
    // An address that failed auth lately gets the failed-auth check of the full pipeline.
    if (!caller || this.authFailures.hasRecentFailures(request.ip)) return this.pass();
    const key = httpCacheKey(
      request.routeOptions.url!,
      request.params,
      request.url,
      cacheScopeKey(route.scope, caller)!,
    );
    // Taken before the token: an invalidation racing this request may drop the entry meanwhile, and
    // the answer is then what it would have been had the request arrived a moment earlier.
    const cached = this.cache.peek<CachedBody>(key);
    if (!cached) return this.pass();
    this.answered.inc();
    nameServerSpanAfterRoute(request.routeOptions.url!);
    const bucket = subjectBucket(throttleSubjectOf(caller));
    const local = this.throttle.tryTake(bucket, route.cost);
    if (local) return this.answer(request, reply, route.scope !== undefined, cached, local);
    return this.throttle
      .take(bucket, route.cost)
      .then((decision) => this.answer(request, reply, route.scope !== undefined, cached, decision));
  }

  private pass(): false {
    this.passed.inc();
    return false;
  }

  private answer(
    request: FastifyRequest,
    reply: FastifyReply,
    scoped: boolean,
    cached: CachedBody,
    decision: BucketDecision,
  ): true {
    if (!decision.allowed) {
      this.refuse(request, reply, decision);
      return true;
    }
    void reply.headers(rateLimitHeaders(decision)).header('x-cache', X_CACHE.l1).header('etag', cached.etag);
    if (scoped) markScopedResponse(reply);
    if (etagMatches(request.headers['if-none-match'], cached.etag)) {
      void reply.code(304).send();
      return true;
    }
    void reply.header('content-type', 'application/json; charset=utf-8').send(cached.body);
    return true;
  }

  private refuse(request: FastifyRequest, reply: FastifyReply, decision: BucketDecision): void {
    const { status, body, headers } = toErrorResponse(
      new ApiError(429, 'rate_limited', LIMITED_MESSAGE, {
        retryAfterSeconds: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
        headers: rateLimitHeaders(decision),
      }),
      request.id,
    );
    void reply
      .code(status)
      .headers(headers)
      .header('content-type', 'application/json; charset=utf-8')
      .send(body);
  }
}
