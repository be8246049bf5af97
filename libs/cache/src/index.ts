export { TieredCacheModule, CACHE_L2_BREAKER } from './tiered-cache.module';
export {
  TieredCache,
  type TieredCacheSettings,
  type CacheEntryOptions,
  type CacheSource,
} from './tiered-cache';
export { CachedResponse } from './cached-response.decorator';
export {
  CACHED_RESPONSE,
  cacheScopeKey,
  type CachedResponseOptions,
  type CacheScope,
  type CacheScopeOwner,
} from './cached-response.options';
export { HttpCacheInterceptor, X_CACHE } from './http-cache.interceptor';
export { httpCacheKey, etagMatches, type CachedBody } from './http-cache-key';
export { markScopedResponse } from './scoped-response-headers';
export { TieredKeyvStore } from './tiered-keyv-store';
export { SingleFlight } from './single-flight';
