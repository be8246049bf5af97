import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CachedResponse } from '@platform/cache';
import { ThrottleCost } from '@platform/throttling';
import { ApiErrors, ApiZodQuery, openApiSchema, ZodValidationPipe, noQuerySchema } from '@platform/http';
import { ApiKeyAuth } from '../auth/api-key-auth.decorator';
import { INVALIDATION_COST, perUserIdCost } from '../pipeline/request-costs';
import { CurrentCaller, type Caller } from '../auth/caller';
import { assertBatchWithinTier } from '../recommendations/batch-limit';
import { batchQuerySchema, userParamsSchema } from '../recommendations/recommendations.schemas';
import { RecommendationsService } from '../recommendations/recommendations.service';
import { userRecommendationsTags } from '../recommendations/user-cache-tags';
import { seedAnswerSchema, seedBatchSchema, seedMessageSchema, type SeedBatch } from './seed-api.schemas';
import { seedInvalidated, toSeedShape } from './seed-shape';

const USER_ID_PARAM = {
  name: 'userId',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' },
} as const;

/**
 * The seed service's API, route for route and shape for shape, so its clients call this platform
 * unchanged (the compatibility surface; new clients use /v1). Same service, cache, API keys and tier
 * limits as /v1: only the paths and the bodies differ.
 */
// Routes (full paths, for grep): GET /recommend/:userId, GET /batch-recommend, POST
//  /invalidate-cache/:userId
@ApiTags('seed compatibility')
@Controller()
@ApiKeyAuth()
export class SeedApiController {
  constructor(private readonly recommendations: RecommendationsService) {}

  @Get('recommend/:userId')
  @ApiOperation({
    summary: "Seed API: a user's recommendation totals; 200 with a message when the user has no data yet",
  })
  @ApiParam(USER_ID_PARAM)
  @ApiResponse({ status: 200, schema: openApiSchema(seedAnswerSchema) })
  @ApiErrors(400, 401, 429)
  // Cached like the /v1 read and dropped with it: the worker invalidates the same tag on recompute.
  @CachedResponse({ ttlMs: 3_600_000, l1TtlMs: 60_000, scope: 'tenant', tags: userRecommendationsTags })
  async one(
    @CurrentCaller() caller: Caller,
    @Param(new ZodValidationPipe(userParamsSchema, 'params')) params: { userId: string },
    @Query(new ZodValidationPipe(noQuerySchema, 'query')) _query: Record<string, never>,
  ) {
    const body = await this.recommendations.findOne(caller.tenantId, params.userId);
    return toSeedShape(params.userId, body);
  }

  @Get('batch-recommend')
  @ThrottleCost(perUserIdCost)
  @ApiOperation({
    summary: 'Seed API: several users at once, { successful, failed, results } with one result per id asked',
  })
  @ApiZodQuery(batchQuerySchema)
  @ApiResponse({ status: 200, schema: openApiSchema(seedBatchSchema) })
  @ApiErrors(400, 401, 429)
  async batch(
    @CurrentCaller() caller: Caller,
    @Query(new ZodValidationPipe(batchQuerySchema, 'query')) query: { user_ids: string[] },
  ): Promise<SeedBatch> {
    // The seed answered one result per id asked, repeats included; the tier caps how many.
    assertBatchWithinTier(caller, query.user_ids.length);
    const found = await this.recommendations.findMany(caller.tenantId, query.user_ids);
    const results = query.user_ids.map((id) => toSeedShape(id, found.get(id)));
    // Every id gets an answer (its recommendations, or the seed's no-data body, which the seed counted
    // as successful too); a read that fails fails the whole request with an error status instead.
    return { successful: results.length, failed: 0, results };
  }

  @Post('invalidate-cache/:userId')
  @ThrottleCost(INVALIDATION_COST)
  @HttpCode(200)
  @ApiOperation({ summary: "Seed API: drop a user's cached recommendations on every instance" })
  @ApiParam(USER_ID_PARAM)
  @ApiResponse({ status: 200, schema: openApiSchema(seedMessageSchema) })
  @ApiErrors(400, 401, 429)
  async invalidate(
    @CurrentCaller() caller: Caller,
    @Param(new ZodValidationPipe(userParamsSchema, 'params')) params: { userId: string },
  ) {
    await this.recommendations.invalidate(caller.tenantId, params.userId);
    return seedInvalidated(params.userId);
  }
}
