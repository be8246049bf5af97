import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { ApiError, ApiErrors, ApiZodBody, ZodValidationPipe } from '@platform/http';
import { AdminAuth } from './admin-auth.decorator';
import { TiersService } from '../tiers/tiers.service';
import { tierLimitsSchema, tierParamsSchema } from './admin.schemas';

@ApiTags('admin')
@Controller({ path: 'admin/tiers', version: '1' })
@AdminAuth()
export class TiersAdminController {
  constructor(private readonly tiers: TiersService) {}

  @Get(':name')
  @ApiOperation({ summary: "A tier's limits" })
  @ApiErrors(400, 401, 404)
  async get(@Param(new ZodValidationPipe(tierParamsSchema, 'params')) params: { name: string }) {
    const tier = await this.tiers.find(params.name);
    if (!tier) throw new ApiError(404, 'tier_not_found', `No tier named ${params.name}`);
    return tier;
  }

  @Put(':name')
  @ApiOperation({
    summary: "Create or replace a tier's limits (every instance drops its cached copy at once)",
  })
  @ApiZodBody(tierLimitsSchema)
  @ApiErrors(400, 401, 413, 415)
  put(
    @Param(new ZodValidationPipe(tierParamsSchema, 'params')) params: { name: string },
    @Body(new ZodValidationPipe(tierLimitsSchema)) body: z.infer<typeof tierLimitsSchema>,
  ) {
    return this.tiers.upsert({ name: params.name, ...body });
  }
}
