import type { FastifyRequest } from 'fastify';

export const CACHED_RESPONSE = Symbol('cached-response');

export type CacheScope = 'caller' | 'tenant';

/** What a scoped response is keyed by: the authenticated caller, as the API-key guard sets it. */
export interface CacheScopeOwner {
  apiKeyId: string;
  tenantId: string;
}

/**
 * The key segment of a response's scope: `*` for a shared response, the key's or tenant's id for a
 * scoped one, undefined when a scoped response has no caller (then it is not cached).
 */
export function cacheScopeKey(scope: CacheScope | undefined, owner: CacheScopeOwner | undefined) {
  if (!scope) return '*';
  if (!owner) return undefined;
  return scope === 'caller' ? `k:${owner.apiKeyId}` : `t:${owner.tenantId}`;
}

export interface CachedResponseOptions {
  /** TTL for both layers (ms); `l1TtlMs` shortens the in-process copy. */
  ttlMs: number;
  l1TtlMs?: number;
  /**
   * Whose data the response is: `caller` keys it by `request.caller.apiKeyId`, `tenant` by
   * `request.caller.tenantId` (both set by the API-key guard); absent, one copy serves every caller.
   * A scoped route without a caller is not cached at all, so one caller's or tenant's data can never
   * be served to another.
   */
  scope?: CacheScope;
  /** Tags to invalidate the cached response by (e.g. the entity ids it shows). */
  tags?: (request: FastifyRequest) => string[];
}
