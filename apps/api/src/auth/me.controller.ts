import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CachedResponse } from '@platform/cache';
import { ApiErrors } from '@platform/http';
import { tierCacheTag } from '../tiers/tiers.service';
import { ApiKeyAuth } from './api-key-auth.decorator';
import { apiKeyCacheTag } from './api-keys.service';
import { CurrentCaller, type Caller } from './caller';

@ApiTags('auth')
@Controller({ path: 'me', version: '1' })
@ApiKeyAuth()
export class MeController {
  @Get()
  @ApiOperation({
    summary: 'The calling API key and its tier limits (cached per caller; ETag, X-Cache)',
  })
  @ApiErrors(401, 429)
  // Clients poll this to learn their limits: per caller, dropped when the key or its tier changes.
  @CachedResponse({
    ttlMs: 60_000,
    perCaller: true,
    tags: (request) =>
      request.caller ? [apiKeyCacheTag(request.caller.apiKeyId), tierCacheTag(request.caller.tier.name)] : [],
  })
  me(@CurrentCaller() caller: Caller) {
    return { apiKeyId: caller.apiKeyId, name: caller.name, tier: caller.tier };
  }
}
