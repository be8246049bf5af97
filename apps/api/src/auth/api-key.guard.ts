import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '@platform/http';
import { bearerOrHeader } from '@platform/security';
import { TiersService } from '../tiers/tiers.service';
import { ApiKeysService } from './api-keys.service';

/** `Authorization: Bearer <key>` or `x-api-key: <key>`; sets `request.caller`. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly tiers: TiersService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const secret = bearerOrHeader(request.headers, 'x-api-key');
    if (!secret)
      throw new ApiError(401, 'unauthorized', 'An API key is required (Authorization: Bearer or x-api-key)');
    // Keys are printable ASCII of bounded length; anything else cannot match and is not looked up.
    const key = secret.length <= 256 ? await this.keys.findLive(secret) : undefined;
    if (!key) throw new ApiError(401, 'unauthorized', 'Invalid or revoked API key');
    const tier = await this.tiers.find(key.tierName);
    if (!tier) throw new ApiError(401, 'unauthorized', 'The API key has no valid tier');
    request.caller = { apiKeyId: key.id, name: key.name, tier };
    // The caller's bucket: CallerRateLimitGuard runs next (see ApiKeyAuth).
    request.rateLimitSubject = {
      id: key.id,
      tier: tier.name,
      limits: { burst: tier.burst, ratePerMinute: tier.ratePerMinute },
    };
    return true;
  }
}
