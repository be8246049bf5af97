import { createHash } from 'node:crypto';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import {
  CACHED_RESPONSE,
  cacheScopeKey,
  type CachedResponseOptions,
  type CacheScopeOwner,
} from './cached-response.options';
import { etagMatches, httpCacheKey, type CachedBody } from './http-cache-key';
import { markScopedResponse } from './scoped-response-headers';
import { TieredCache, type CacheSource } from './tiered-cache';

export const X_CACHE: Record<CacheSource, string> = { l1: 'HIT-L1', l2: 'HIT-L2', loader: 'MISS' };

@Injectable()
export class HttpCacheInterceptor implements NestInterceptor {
  constructor(
    private readonly cache: TieredCache,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<CachedResponseOptions | undefined>(
      CACHED_RESPONSE,
      context.getHandler(),
    );
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    // HEAD is a GET without its body (RFC 9110): same entry, same X-Cache and ETag headers.
    if (!options || (request.method !== 'GET' && request.method !== 'HEAD')) return next.handle();
    const scope = cacheScopeKey(options.scope, (request as { caller?: CacheScopeOwner }).caller);
    if (scope === undefined) return next.handle();
    const key = httpCacheKey(request.routeOptions.url ?? request.url, request.params, request.url, scope);
    return from(this.respond(key, options, request, http.getResponse<FastifyReply>(), next));
  }

  private async respond(
    key: string,
    options: CachedResponseOptions,
    request: FastifyRequest,
    reply: FastifyReply,
    next: CallHandler,
  ): Promise<unknown> {
    const { value: cached, source } = await this.cache.wrapWithSource<CachedBody | undefined>(
      key,
      async () => {
        const result: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
        // Nothing to cache (an empty response): each waiter answers with nothing too.
        return result === undefined || result === null ? undefined : toCachedBody(result);
      },
      { ttlMs: options.ttlMs, l1TtlMs: options.l1TtlMs, tags: options.tags?.(request) ?? [] },
    );
    reply.header('x-cache', X_CACHE[source]);
    if (!cached) return undefined;
    reply.header('etag', cached.etag);
    if (options.scope) markScopedResponse(reply);
    if (etagMatches(request.headers['if-none-match'], cached.etag)) {
      return new Response(null, { status: 304 });
    }
    reply.header('content-type', 'application/json; charset=utf-8');
    return cached.body;
  }
}

function toCachedBody(result: unknown): CachedBody {
  const body = JSON.stringify(result);
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  return { body, etag };
}
