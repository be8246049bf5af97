import { SetMetadata } from '@nestjs/common';
import { CACHED_RESPONSE, type CachedResponseOptions } from './cached-response.options';

/**
 * Marks a GET route's JSON response as cached in the tiered cache, with `X-Cache: HIT-L1|HIT-L2|MISS`,
 * an ETag and 304 on a matching If-None-Match. HttpCacheInterceptor does it; the app registers that
 * interceptor once, in its request pipeline. Other methods pass through untouched.
 */
export const CachedResponse = (options: CachedResponseOptions): MethodDecorator =>
  SetMetadata(CACHED_RESPONSE, options);
