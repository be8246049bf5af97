import type { FastifyRequest } from 'fastify';

export const CACHED_RESPONSE = Symbol('cached-response');

export interface CachedResponseOptions {
  /** TTL for both layers (ms); `l1TtlMs` shortens the in-process copy. */
  ttlMs: number;
  l1TtlMs?: number;
  /**
   * The response depends on who calls: key it by `request.caller.apiKeyId` (set by the API-key
   * guard). Without a caller such a route is not cached at all, so one caller's data can never be
   * served to another.
   */
  perCaller?: boolean;
  /** Tags to invalidate the cached response by (e.g. the entity ids it shows). */
  tags?: (request: FastifyRequest) => string[];
}
