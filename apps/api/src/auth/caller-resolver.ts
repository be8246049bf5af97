import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '@platform/http';
import { bearerOrHeader } from '@platform/security';
import { TiersService, type TierLimits } from '../tiers/tiers.service';
import { ApiKeysService, type LiveKey } from './api-keys.service';
import type { Caller } from './caller';

/** Keys are printable ASCII of bounded length; anything longer cannot match and is not looked up. */
const MAX_SECRET_LENGTH = 256;

/**
 * Who is calling, from `Authorization: Bearer <key>` or `x-api-key: <key>`. `resolve` is the full
 * lookup (tiered cache, then the primary); `resolveCached` answers only from this instance's L1
 * copies, synchronously, for the cached-read fast path: the same rules on the same data, since the
 * invalidation bus drops a revoked key's or a changed tier's copy on every instance at once.
 */
@Injectable()
export class CallerResolver {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly tiers: TiersService,
  ) {}

  async resolve(headers: FastifyRequest['headers']): Promise<Caller> {
    const secret = bearerOrHeader(headers, 'x-api-key');
    if (!secret)
      throw new ApiError(401, 'unauthorized', 'An API key is required (Authorization: Bearer or x-api-key)');
    const key = secret.length <= MAX_SECRET_LENGTH ? await this.keys.findLive(secret) : undefined;
    if (!key) throw new ApiError(401, 'unauthorized', 'Invalid or revoked API key');
    if (key.tenantSuspended) {
      throw new ApiError(403, 'tenant_suspended', "The API key's tenant is suspended; ask an administrator");
    }
    const tier = await this.tiers.find(key.tierName);
    if (!tier) throw new ApiError(401, 'unauthorized', 'The API key has no valid tier');
    return toCaller(key, tier);
  }

  /** The caller when both its key and its tier are in L1; undefined otherwise (then use `resolve`). */
  resolveCached(headers: FastifyRequest['headers']): Caller | undefined {
    const secret = bearerOrHeader(headers, 'x-api-key');
    if (!secret || secret.length > MAX_SECRET_LENGTH) return undefined;
    const key = this.keys.peekLive(secret);
    // A suspended tenant's key is refused by the full pipeline, with its own error.
    const tier = key && !key.tenantSuspended && this.tiers.peek(key.tierName);
    return tier ? toCaller(key, tier) : undefined;
  }
}

function toCaller(key: LiveKey, tier: TierLimits): Caller {
  return { apiKeyId: key.id, name: key.name, tier, tenantId: key.tenantId, tenantName: key.tenantName };
}
