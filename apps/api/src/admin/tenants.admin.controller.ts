import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import {
  ApiError,
  ApiErrors,
  ApiZodBody,
  ApiZodParams,
  ApiZodQuery,
  ApiZodResponse,
  ZodValidationPipe,
} from '@platform/http';
import { ApiKeysService } from '../auth/api-keys.service';
import {
  createTenantSchema,
  listTenantsQuerySchema,
  TENANT_EXAMPLE,
  tenantApiKeysSchema,
  tenantPageSchema,
  tenantParamsSchema,
  tenantViewSchema,
  type TenantView,
} from '../tenants/tenants.schemas';
import { TenantsService } from '../tenants/tenants.service';
import { AdminAuth } from './admin-auth.decorator';

type TenantParams = z.infer<typeof tenantParamsSchema>;
const tenantParams = () => new ZodValidationPipe(tenantParamsSchema, 'params');
const notFound = (id: string) => new ApiError(404, 'tenant_not_found', `No tenant ${id}`);

/** /v1/admin/tenants: who owns users. A key sees only its own tenant's users (README, "Tenants"). */
// Routes (full paths, for grep): POST /v1/admin/tenants, GET /v1/admin/tenants, GET /v1/admin/tenants/:id,
//  GET /v1/admin/tenants/:id/api-keys, POST /v1/admin/tenants/:id/suspend, POST
//  /v1/admin/tenants/:id/resume
@ApiTags('admin')
@Controller({ path: 'admin/tenants', version: '1' })
@AdminAuth()
export class TenantsAdminController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly keys: ApiKeysService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a tenant (then create keys in it with POST /v1/admin/api-keys)' })
  @ApiZodBody(createTenantSchema, { example: { name: 'acme' } })
  @ApiZodResponse(201, tenantViewSchema, { description: 'The new tenant', example: TENANT_EXAMPLE })
  create(@Body(new ZodValidationPipe(createTenantSchema)) body: z.infer<typeof createTenantSchema>) {
    return this.tenants.create(body.name);
  }

  @Get()
  @ApiOperation({ summary: 'Tenants, oldest first, a page at a time' })
  @ApiZodQuery(listTenantsQuerySchema)
  @ApiZodResponse(200, tenantPageSchema, {
    description: 'One page',
    example: { tenants: [TENANT_EXAMPLE], next: null },
  })
  @ApiErrors(400)
  list(
    @Query(new ZodValidationPipe(listTenantsQuerySchema, 'query'))
    query: z.infer<typeof listTenantsQuerySchema>,
  ) {
    return this.tenants.list(query.limit, query.after);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A tenant' })
  @ApiZodParams(tenantParamsSchema)
  @ApiZodResponse(200, tenantViewSchema, { description: 'The tenant', example: TENANT_EXAMPLE })
  @ApiErrors(400, 404)
  async get(@Param(tenantParams()) params: TenantParams): Promise<TenantView> {
    return (await this.tenants.find(params.id)) ?? Promise.reject(notFound(params.id));
  }

  @Get(':id/api-keys')
  @ApiOperation({ summary: "A tenant's API keys, live and revoked, oldest first (never their secrets)" })
  @ApiZodParams(tenantParamsSchema)
  @ApiZodResponse(200, tenantApiKeysSchema, {
    description: "The tenant's keys",
    example: {
      apiKeys: [
        {
          id: '0b7e9c52-3f1a-4d8e-9a6b-5c2d1e0f4a37',
          name: 'checkout-service',
          prefix: 'pk_Vq3xY',
          tier: 'free',
          createdAt: '2026-12-02T05:00:00.000Z',
          revokedAt: null,
        },
      ],
    },
  })
  @ApiErrors(400, 404)
  async apiKeys(@Param(tenantParams()) params: TenantParams): Promise<z.infer<typeof tenantApiKeysSchema>> {
    if (!(await this.tenants.find(params.id))) throw notFound(params.id);
    const keys = await this.keys.listByTenant(params.id);
    return {
      apiKeys: keys.map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.keyPrefix,
        tier: k.tierName,
        createdAt: k.createdAt.toISOString(),
        revokedAt: k.revokedAt?.toISOString() ?? null,
      })),
    };
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Suspend a tenant: its keys answer 403 tenant_suspended on every instance at once and its webhook deliveries stop (queued ones are dropped when they run)',
  })
  @ApiZodParams(tenantParamsSchema)
  @ApiZodResponse(200, tenantViewSchema, {
    description: 'The suspended tenant',
    example: { ...TENANT_EXAMPLE, status: 'suspended', suspendedAt: '2026-12-02T06:00:00.000Z' },
  })
  @ApiErrors(400, 404)
  async suspend(@Param(tenantParams()) params: TenantParams): Promise<TenantView> {
    return (await this.tenants.setSuspended(params.id, true)) ?? Promise.reject(notFound(params.id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Lift a suspension: its keys and webhooks work again' })
  @ApiZodParams(tenantParamsSchema)
  @ApiZodResponse(200, tenantViewSchema, { description: 'The active tenant', example: TENANT_EXAMPLE })
  @ApiErrors(400, 404)
  async resume(@Param(tenantParams()) params: TenantParams): Promise<TenantView> {
    return (await this.tenants.setSuspended(params.id, false)) ?? Promise.reject(notFound(params.id));
  }
}
