import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { CachedResponse } from '@platform/cache';
import { ApiErrors, ApiZodResponse, noQuerySchema, ZodValidationPipe } from '@platform/http';
import { TIER_EXAMPLE } from '../tiers/tiers.schemas';
import { tierCacheTag } from '../tiers/tiers.service';
import { ApiKeyAuth } from './api-key-auth.decorator';
import { apiKeyCacheTag } from './api-keys.service';
import { CurrentCaller, type Caller } from './caller';
import { meSchema } from './me.schemas';

// Routes (full paths, for grep): GET /v1/me
@ApiTags('auth')
@Controller({ path: 'me', version: '1' })
@ApiKeyAuth()
export class MeController {
  @Get()
  @ApiOperation({
    summary: 'The calling API key, its tenant and its tier limits (cached per caller; ETag, X-Cache)',
  })
  @ApiZodResponse(200, meSchema, {
    description: 'The calling key and its limits',
    example: {
      apiKeyId: '0b7e9c52-3f1a-4d8e-9a6b-5c2d1e0f4a37',
      name: 'checkout-service',
      tenant: { id: '3c9a7e51-0d2b-4f68-8a1e-6b5d4c3f2a10', name: 'acme' },
      tier: TIER_EXAMPLE,
    },
  })
  @ApiResponse({ status: 304, description: 'Not modified: If-None-Match matched the ETag' })
  @ApiErrors(400)
  // Clients poll this to learn their limits: per caller, dropped when the key or its tier changes.
  @CachedResponse({
    ttlMs: 60_000,
    scope: 'caller',
    tags: (request) =>
      request.caller ? [apiKeyCacheTag(request.caller.apiKeyId), tierCacheTag(request.caller.tier.name)] : [],
  })
  me(
    @CurrentCaller() caller: Caller,
    // No query parameters: each spelling would be a cache entry of its own (cache busting).
    @Query(new ZodValidationPipe(noQuerySchema, 'query')) _query: Record<string, never>,
  ): z.infer<typeof meSchema> {
    return {
      apiKeyId: caller.apiKeyId,
      name: caller.name,
      tenant: { id: caller.tenantId, name: caller.tenantName },
      tier: caller.tier,
    };
  }
}
