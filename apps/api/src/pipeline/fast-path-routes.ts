import { GUARDS_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { CACHED_RESPONSE, type CachedResponseOptions, type CacheScope } from '@platform/cache';
import { THROTTLE_COST } from '@platform/throttling';

/** A cached GET route the fast path may answer, as the full pipeline served it. */
export interface FastPathRoute {
  /** Whose data it is (the cache key includes the API key's or the tenant's id); absent: shared. */
  scope: CacheScope | undefined;
  /** Tokens the caller's bucket gave the request. */
  cost: number;
}

/** Fastify route templates (e.g. `/v1/users/:userId/recommendations`) the fast path may answer. */
@Injectable()
export class FastPathRoutes {
  private readonly routes = new Map<string, FastPathRoute>();

  get(route: string | undefined): FastPathRoute | undefined {
    return route === undefined ? undefined : this.routes.get(route);
  }

  has(route: string): boolean {
    return this.routes.has(route);
  }

  add(route: string, descriptor: FastPathRoute): void {
    this.routes.set(route, descriptor);
  }
}

/**
 * Learns the fast path's routes from the full pipeline itself, so no route is declared twice: the
 * first time a @CachedResponse GET is served through auth and the caller's bucket, this records its
 * template, whose data it is and the tokens it cost. A route with guards or interceptors of
 * its own is never learned: the fast path would skip them, so it must not answer for it. Runs after
 * the guards (it sees what they decided) and before the cache interceptor.
 */
@Injectable()
export class FastPathLearner implements NestInterceptor {
  constructor(
    private readonly routes: FastPathRoutes,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const route = request.routeOptions.url;
    if (request.method === 'GET' && route !== undefined && !this.routes.has(route)) {
      this.learn(route, request, context);
    }
    return next.handle();
  }

  private learn(route: string, request: FastifyRequest, context: ExecutionContext): void {
    const targets = [context.getHandler(), context.getClass()];
    const options = this.reflector.get<CachedResponseOptions | undefined>(
      CACHED_RESPONSE,
      context.getHandler(),
    );
    // Authenticated by API key and charged to the caller's bucket: the fast path does exactly that.
    if (!options || !request.caller || request.throttleCost === undefined) return;
    const ownGuards = this.reflector.getAllAndMerge<unknown[]>(GUARDS_METADATA, targets);
    const ownInterceptors = this.reflector.getAllAndMerge<unknown[]>(INTERCEPTORS_METADATA, targets);
    if (ownGuards.length > 0 || ownInterceptors.length > 0) return;
    // A cost computed per request cannot be learned from one request.
    if (typeof this.reflector.getAllAndOverride<unknown>(THROTTLE_COST, targets) === 'function') return;
    this.routes.add(route, { scope: options.scope, cost: request.throttleCost });
  }
}
