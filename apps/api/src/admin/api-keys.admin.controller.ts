import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
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
import { AdminAuth } from './admin-auth.decorator';
import { ApiKeysService } from '../auth/api-keys.service';
import { TenantsService } from '../tenants/tenants.service';
import { TiersService } from '../tiers/tiers.service';
import {
  apiKeyParamsSchema,
  createApiKeySchema,
  issuedApiKeySchema,
  type IssuedApiKeyView,
} from './admin.schemas';

// Routes (full paths, for grep): POST /v1/admin/api-keys, DELETE /v1/admin/api-keys/:id
@ApiTags('admin')
@Controller({ path: 'admin/api-keys', version: '1' })
@AdminAuth()
export class ApiKeysAdminController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly tiers: TiersService,
    private readonly tenants: TenantsService,
  ) {}

  @Post()
  @ApiOperation({
    summary:
      'Create an API key in a tenant (or, without `tenant`, in a new tenant of its own); the key is returned only in this response',
  })
  @ApiZodBody(createApiKeySchema, {
    example: { name: 'checkout-service', tier: 'free', tenant: '3c9a7e51-0d2b-4f68-8a1e-6b5d4c3f2a10' },
  })
  @ApiZodResponse(201, issuedApiKeySchema, {
    description: 'The new key; its secret is not stored and cannot be shown again',
    example: {
      id: '0b7e9c52-3f1a-4d8e-9a6b-5c2d1e0f4a37',
      key: 'pk_Vq3xY8nR2kLm9TzW4bHc6JdF1sGa7PeUo5Nw0Xt3Zr8',
      name: 'checkout-service',
      tier: 'free',
      tenant: '3c9a7e51-0d2b-4f68-8a1e-6b5d4c3f2a10',
      createdAt: '2026-12-02T05:00:00.000Z',
    },
  })
  async create(
    @Body(new ZodValidationPipe(createApiKeySchema)) body: z.infer<typeof createApiKeySchema>,
  ): Promise<IssuedApiKeyView> {
    if (!(await this.tiers.find(body.tier))) {
      throw new ApiError(400, 'validation_failed', `Unknown tier: ${body.tier}`, {
        fields: [{ field: 'body.tier', message: 'no such tier' }],
      });
    }
    if (body.tenant && !(await this.tenants.find(body.tenant))) {
      throw new ApiError(400, 'validation_failed', `Unknown tenant: ${body.tenant}`, {
        fields: [{ field: 'body.tenant', message: 'no such tenant' }],
      });
    }
    const issued = await this.keys.issue(body.name, body.tier, body.tenant);
    return {
      id: issued.id,
      key: issued.key,
      name: issued.name,
      tier: issued.tier,
      tenant: issued.tenant,
      createdAt: issued.createdAt.toISOString(),
    };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiZodParams(apiKeyParamsSchema)
  @ApiZodResponse(204, undefined, { description: 'Revoked; every instance forgets it at once' })
  @ApiErrors(400, 404)
  async revoke(@Param(new ZodValidationPipe(apiKeyParamsSchema, 'params')) params: { id: string }) {
    if (!(await this.keys.revoke(params.id)))
      throw new ApiError(404, 'api_key_not_found', 'No live API key with that id');
  }
}
