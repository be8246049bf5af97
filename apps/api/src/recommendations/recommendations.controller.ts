import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { CachedResponse } from '@platform/cache';
import { ThrottleCost } from '@platform/throttling';
import {
  ApiError,
  ApiErrors,
  ApiZodParams,
  ApiZodQuery,
  ApiZodResponse,
  ZodValidationPipe,
  noQuerySchema,
} from '@platform/http';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { INVALIDATION_COST, perUserIdCost } from '../pipeline/request-costs';
import { CurrentCaller, type Caller } from '../auth/caller';
import {
  RECOMMENDATION_EXAMPLE,
  recommendationBodySchema,
  type RecommendationBody,
} from '@platform/recommendations';
import { batchQuerySchema, batchResponseSchema, userParamsSchema } from './recommendations.schemas';
import { assertBatchWithinTier } from './batch-limit';
import { RECOMMENDATION_CACHE_TTL, RecommendationsService } from './recommendations.service';
import { userRecommendationsTags } from './user-cache-tags';

// Routes (full paths, for grep): GET /v1/users/:userId/recommendations, GET /v1/recommendations, POST
//  /v1/users/:userId/recommendations/invalidate
@ApiTags('recommendations')
@Controller({ version: '1' })
@ApiKeyAuth()
export class RecommendationsController {
  constructor(private readonly recommendations: RecommendationsService) {}

  @Get('users/:userId/recommendations')
  @ApiOperation({
    summary: "A user's recommendations (cached: X-Cache HIT-L1|HIT-L2|MISS; ETag / If-None-Match → 304)",
  })
  @ApiZodParams(userParamsSchema)
  @ApiZodResponse(200, recommendationBodySchema, {
    description: "The user's recommendations",
    example: RECOMMENDATION_EXAMPLE,
  })
  @ApiResponse({ status: 304, description: 'Not modified: If-None-Match matched the ETag' })
  @ApiErrors(400, 404)
  // The same for every key of a tenant (users are the tenant's), so one cached copy per tenant.
  @CachedResponse({ ...RECOMMENDATION_CACHE_TTL, scope: 'tenant', tags: userRecommendationsTags })
  async one(
    @CurrentCaller() caller: Caller,
    @Param(new ZodValidationPipe(userParamsSchema, 'params')) params: { userId: string },
    // No query parameters: random ones would otherwise each make a new cache entry (cache busting).
    @Query(new ZodValidationPipe(noQuerySchema, 'query')) _query: Record<string, never>,
  ): Promise<RecommendationBody> {
    const body = await this.recommendations.findOne(caller.tenantId, params.userId);
    if (!body) {
      throw new ApiError(
        404,
        'recommendations_not_found',
        `No recommendations for user ${params.userId} yet`,
      );
    }
    return body;
  }

  @Get('recommendations')
  @ThrottleCost(perUserIdCost)
  @ApiOperation({
    summary: "Several users' recommendations: { successful, failed, results }; ids capped per tier",
  })
  @ApiZodQuery(batchQuerySchema)
  @ApiZodResponse(200, batchResponseSchema, {
    description: 'One result per distinct id, in request order',
    example: {
      successful: 1,
      failed: 1,
      results: [
        { userId: 'alice', status: 'ok', recommendations: RECOMMENDATION_EXAMPLE },
        { userId: 'bob', status: 'not_found' },
      ],
    },
  })
  @ApiErrors(400)
  async batch(
    @CurrentCaller() caller: Caller,
    @Query(new ZodValidationPipe(batchQuerySchema, 'query')) query: { user_ids: string[] },
  ): Promise<z.infer<typeof batchResponseSchema>> {
    const ids = [...new Set(query.user_ids)];
    assertBatchWithinTier(caller, ids.length);
    const found = await this.recommendations.findMany(caller.tenantId, ids);
    const results = ids.map((userId) => {
      const recommendations = found.get(userId);
      return recommendations
        ? { userId, status: 'ok' as const, recommendations }
        : { userId, status: 'not_found' as const };
    });
    const successful = results.filter((r) => r.status === 'ok').length;
    return { successful, failed: results.length - successful, results };
  }

  @Post('users/:userId/recommendations/invalidate')
  @ThrottleCost(INVALIDATION_COST)
  @HttpCode(204)
  @ApiOperation({
    summary: "Drop the cached recommendations of one of the tenant's users on every instance",
  })
  @ApiZodParams(userParamsSchema)
  @ApiZodResponse(204, undefined, { description: 'Dropped on every instance' })
  @ApiErrors(400)
  async invalidate(
    @CurrentCaller() caller: Caller,
    @Param(new ZodValidationPipe(userParamsSchema, 'params')) params: { userId: string },
  ) {
    await this.recommendations.invalidate(caller.tenantId, params.userId);
  }
}
