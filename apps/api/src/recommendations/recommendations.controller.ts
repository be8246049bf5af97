import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CachedResponse } from '@platform/cache';
import { ApiError, ApiErrors, ApiZodQuery, ZodValidationPipe } from '@platform/http';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { CurrentCaller, type Caller } from '../auth/caller';
import { recommendationsCacheTag } from '@platform/recommendations';
import { batchQuerySchema, noQuerySchema, userParamsSchema } from './recommendations.schemas';
import { assertBatchWithinTier } from './batch-limit';
import { RecommendationsService } from './recommendations.service';

@ApiTags('recommendations')
@Controller({ version: '1' })
@ApiKeyAuth()
export class RecommendationsController {
  constructor(private readonly recommendations: RecommendationsService) {}

  @Get('users/:userId/recommendations')
  @ApiOperation({
    summary: "A user's recommendations (cached: X-Cache HIT-L1|HIT-L2|MISS; ETag / If-None-Match → 304)",
  })
  @ApiParam({ name: 'userId', schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' } })
  @ApiErrors(400, 401, 404, 429)
  // The same for every caller (users are the service's own), so one cached copy serves everyone.
  @CachedResponse({
    ttlMs: 3_600_000,
    l1TtlMs: 60_000,
    tags: (request) => [recommendationsCacheTag((request.params as { userId?: string }).userId ?? '')],
  })
  async one(
    @Param(new ZodValidationPipe(userParamsSchema, 'params')) params: { userId: string },
    // No query parameters: random ones would otherwise each make a new cache entry (cache busting).
    @Query(new ZodValidationPipe(noQuerySchema, 'query')) _query: Record<string, never>,
  ) {
    const body = await this.recommendations.findOne(params.userId);
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
  @ApiOperation({
    summary: "Several users' recommendations: { successful, failed, results }; ids capped per tier",
  })
  @ApiZodQuery(batchQuerySchema)
  @ApiErrors(400, 401, 429)
  async batch(
    @CurrentCaller() caller: Caller,
    @Query(new ZodValidationPipe(batchQuerySchema, 'query')) query: { user_ids: string[] },
  ) {
    const ids = [...new Set(query.user_ids)];
    assertBatchWithinTier(caller, ids.length);
    const found = await this.recommendations.findMany(ids);
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
  @HttpCode(204)
  @ApiOperation({ summary: 'Drop the cached recommendations of a user on every instance' })
  @ApiErrors(400, 401, 429)
  async invalidate(@Param(new ZodValidationPipe(userParamsSchema, 'params')) params: { userId: string }) {
    await this.recommendations.invalidate(params.userId);
  }
}
