import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import {
  ApiError,
  ApiErrors,
  ApiZodBody,
  ApiZodParams,
  ApiZodResponse,
  ZodValidationPipe,
} from '@platform/http';
import { TIER_EXAMPLE, tierViewSchema } from '../tiers/tiers.schemas';
import { TiersService, type TierLimits } from '../tiers/tiers.service';
import { AdminAuth } from './admin-auth.decorator';
import { tierLimitsSchema, tierParamsSchema } from './admin.schemas';

// Routes (full paths, for grep): GET /v1/admin/tiers/:name, PUT /v1/admin/tiers/:name
@ApiTags('admin')
@Controller({ path: 'admin/tiers', version: '1' })
@AdminAuth()
export class TiersAdminController {
  constructor(private readonly tiers: TiersService) {}

  @Get(':name')
  @ApiOperation({ summary: "A tier's limits" })
  @ApiZodParams(tierParamsSchema)
  @ApiZodResponse(200, tierViewSchema, { description: "The tier's limits", example: TIER_EXAMPLE })
  @ApiErrors(400, 404)
  async get(
    @Param(new ZodValidationPipe(tierParamsSchema, 'params')) params: { name: string },
  ): Promise<TierLimits> {
    const tier = await this.tiers.find(params.name);
    if (!tier) throw new ApiError(404, 'tier_not_found', `No tier named ${params.name}`);
    return tier;
  }

  @Put(':name')
  @ApiOperation({
    summary: "Create or replace a tier's limits (every instance drops its cached copy at once)",
  })
  @ApiZodParams(tierParamsSchema)
  @ApiZodBody(tierLimitsSchema, {
    example: { ratePerMinute: 100, burst: 150, defaultPriority: 'normal', maxBatch: 100 },
  })
  @ApiZodResponse(200, tierViewSchema, { description: 'The tier as stored', example: TIER_EXAMPLE })
  put(
    @Param(new ZodValidationPipe(tierParamsSchema, 'params')) params: { name: string },
    @Body(new ZodValidationPipe(tierLimitsSchema)) body: z.infer<typeof tierLimitsSchema>,
  ): Promise<TierLimits> {
    return this.tiers.upsert({ name: params.name, ...body });
  }
}
