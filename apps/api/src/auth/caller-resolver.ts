import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '@platform/http';
import {
  bearerOrHeader,
  CREDENTIAL_ATTEMPTS,
  isWellFormedApiKey,
  type CredentialAttempts,
} from '@platform/security';
import { TiersService, type TierLimits } from '../tiers/tiers.service';
import { ApiKeysService, type LiveKey } from './api-keys.service';
import type { Caller } from './caller';

const INVALID = 'Invalid or revoked API key';

/**
 * Who is calling, from `Authorization: Bearer <key>` or `x-api-key: <key>`. `resolve` is the full
 * check; `resolveCached` answers only from this instance's L1 copies, synchronously, for the
 * cached-read fast path: the same rules on the same data, since the invalidation bus drops a revoked
 * key's or a changed tier's copy on every instance at once.
 *
 * `resolve` asks the failed-auth bucket of the client address (CredentialAttempts) only when it must,
 * cheapest answer first:
 * 1. no key, or one that cannot be a key (format): 401 at once, no I/O; counted in this process;
 * 2. a key the cache knows (L1, else L2; no Postgres): live → the caller, never charged nor refused,
 *    so a client keeps working while another one behind the same address guesses; remembered as
 *    unknown → 401, and one attempt taken (429 when none is left);
 * 3. otherwise one attempt is reserved before the primary is asked (429, no query, when none is
 *    left) and given back if the key is live.
 */
@Injectable()
export class CallerResolver {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly tiers: TiersService,
    @Inject(CREDENTIAL_ATTEMPTS) private readonly attempts: CredentialAttempts,
  ) {}

  async resolve(request: Pick<FastifyRequest, 'headers' | 'ip'>): Promise<Caller> {
    const secret = bearerOrHeader(request.headers, 'x-api-key');
    if (!secret || !isWellFormedApiKey(secret)) {
      this.attempts.failedWithoutLookup(request.ip);
      throw secret
        ? new ApiError(401, 'unauthorized', INVALID)
        : new ApiError(401, 'unauthorized', 'An API key is required (Authorization: Bearer or x-api-key)');
    }
    const key = await this.find(secret, request.ip);
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
    if (!secret || !isWellFormedApiKey(secret)) return undefined;
    const key = this.keys.peekLive(secret);
    // A suspended tenant's key is refused by the full pipeline, with its own error.
    const tier = key && !key.tenantSuspended && this.tiers.peek(key.tierName);
    return tier ? toCaller(key, tier) : undefined;
  }

  private async find(secret: string, address: string): Promise<LiveKey> {
    const known = await this.keys.cached(secret);
    if (known) return known;
    if (known === null) {
      await this.attempts.failed(address);
      throw new ApiError(401, 'unauthorized', INVALID);
    }
    const loaded = await this.attempts.lookup(address, secret, () => this.keys.load(secret));
    if (!loaded) throw new ApiError(401, 'unauthorized', INVALID);
    return loaded;
  }
}

function toCaller(key: LiveKey, tier: TierLimits): Caller {
  return { apiKeyId: key.id, name: key.name, tier, tenantId: key.tenantId, tenantName: key.tenantName };
}
