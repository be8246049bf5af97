export { TieredCacheModule, CACHE_L2_BREAKER } from './tiered-cache.module';
export {
  TieredCache,
  type TieredCacheSettings,
  type CacheEntryOptions,
  type CacheSource,
} from './tiered-cache';
export { CachedResponse } from './cached-response.decorator';
export { type CachedResponseOptions } from './cached-response.options';
export { HttpCacheInterceptor, etagMatches } from './http-cache.interceptor';
export { TieredKeyvStore } from './tiered-keyv-store';
export { SingleFlight } from './single-flight';
