import { z } from 'zod';

export const tenantNameSchema = z.string().trim().min(1).max(100);

export const createTenantSchema = z.strictObject({ name: tenantNameSchema });
export const tenantParamsSchema = z.strictObject({ id: z.uuid() });
export const listTenantsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  after: z.uuid().optional().meta({ description: 'The last id of the previous page (`next`)' }),
});

export const tenantViewSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  status: z.enum(['active', 'suspended']),
  createdAt: z.iso.datetime(),
  suspendedAt: z.iso.datetime().nullable(),
});
export type TenantView = z.infer<typeof tenantViewSchema>;

export const tenantPageSchema = z.strictObject({
  tenants: z.array(tenantViewSchema),
  next: z.uuid().nullable().meta({ description: 'Pass as `after` for the next page; null on the last' }),
});

export const tenantApiKeySchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().meta({ description: 'The first characters of the key, to tell keys apart' }),
  tier: z.string(),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
});
export const tenantApiKeysSchema = z.strictObject({ apiKeys: z.array(tenantApiKeySchema) });

export const TENANT_EXAMPLE: TenantView = {
  id: '3c9a7e51-0d2b-4f68-8a1e-6b5d4c3f2a10',
  name: 'acme',
  status: 'active',
  createdAt: '2026-12-02T05:00:00.000Z',
  suspendedAt: null,
};
