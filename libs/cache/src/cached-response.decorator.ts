import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { CACHED_RESPONSE, type CachedResponseOptions } from './cached-response.options';
import { HttpCacheInterceptor } from './http-cache.interceptor';

/**
 * Caches a GET route's JSON response in the tiered cache, with `X-Cache: HIT-L1|HIT-L2|MISS`, an
 * ETag and 304 on a matching If-None-Match. Other methods pass through untouched.
 */
export const CachedResponse = (options: CachedResponseOptions): MethodDecorator =>
  applyDecorators(SetMetadata(CACHED_RESPONSE, options), UseInterceptors(HttpCacheInterceptor));
