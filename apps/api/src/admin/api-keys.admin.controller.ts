import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { ApiError, ApiErrors, ApiZodBody, ZodValidationPipe } from '@platform/http';
import { AdminAuth } from './admin-auth.decorator';
import { ApiKeysService } from '../auth/api-keys.service';
import { TiersService } from '../tiers/tiers.service';
import { apiKeyParamsSchema, createApiKeySchema } from './admin.schemas';

@ApiTags('admin')
@Controller({ path: 'admin/api-keys', version: '1' })
@AdminAuth()
export class ApiKeysAdminController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly tiers: TiersService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the key is returned only in this response' })
  @ApiZodBody(createApiKeySchema)
  @ApiErrors(400, 401, 413, 415)
  async create(@Body(new ZodValidationPipe(createApiKeySchema)) body: z.infer<typeof createApiKeySchema>) {
    if (!(await this.tiers.find(body.tier))) {
      throw new ApiError(400, 'validation_failed', `Unknown tier: ${body.tier}`, {
        fields: [{ field: 'body.tier', message: 'no such tier' }],
      });
    }
    const issued = await this.keys.issue(body.name, body.tier);
    return {
      id: issued.id,
      key: issued.key,
      name: issued.name,
      tier: issued.tier,
      createdAt: issued.createdAt,
    };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiErrors(400, 401, 404)
  async revoke(@Param(new ZodValidationPipe(apiKeyParamsSchema, 'params')) params: { id: string }) {
    if (!(await this.keys.revoke(params.id)))
      throw new ApiError(404, 'api_key_not_found', 'No live API key with that id');
  }
}
