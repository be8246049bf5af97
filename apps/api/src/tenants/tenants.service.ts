import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { TieredCache } from '@platform/cache';
import { readFromPrimary, Tenant } from '@platform/database';
import type { TenantView } from './tenants.schemas';

/** Tag carried by every cached key lookup of a tenant: suspending it drops them on every instance. */
export const tenantKeysCacheTag = (tenantId: string): string => `tenant-keys:${tenantId}`;

/**
 * Tenants own users: an API key sees the users of its tenant only. Admins create, list, suspend and
 * resume them; suspension takes effect on every instance at once (the cached key lookups of the
 * tenant are dropped), and its webhook deliveries stop.
 */
@Injectable()
export class TenantsService {
  constructor(
    @InjectRepository(Tenant) private readonly tenants: Repository<Tenant>,
    private readonly cache: TieredCache,
  ) {}

  async create(name: string): Promise<TenantView> {
    return view(await this.tenants.save({ name, suspendedAt: null }));
  }

  /** From the primary: an admin reads what it just wrote, whatever a replica has replayed. */
  async find(id: string): Promise<TenantView | undefined> {
    const row = await readFromPrimary(() => this.tenants.findOneBy({ id }));
    return row ? view(row) : undefined;
  }

  /** A page in creation order; `after` is the last id of the previous page. */
  async list(limit: number, after?: string): Promise<{ tenants: TenantView[]; next: string | null }> {
    const query = this.tenants
      .createQueryBuilder('t')
      .orderBy('t.created_at', 'ASC')
      .addOrderBy('t.id', 'ASC')
      .limit(limit + 1);
    if (after) {
      query.where('(t.created_at, t.id) > (SELECT created_at, id FROM tenants WHERE id = :after)', { after });
    }
    const rows = await readFromPrimary(() => query.getMany());
    const page = rows.slice(0, limit).map(view);
    return { tenants: page, next: rows.length > limit ? page[page.length - 1].id : null };
  }

  /** Suspends or resumes; undefined when there is no such tenant. */
  async setSuspended(id: string, suspended: boolean): Promise<TenantView | undefined> {
    // A second suspend keeps the first time; resume clears it.
    const result = await this.tenants
      .createQueryBuilder()
      .update()
      .set({ suspendedAt: () => (suspended ? 'coalesce(suspended_at, now())' : 'NULL') })
      .where('id = :id', { id })
      .returning('*')
      .execute();
    const row = (result.raw as RawTenant[])[0];
    if (!row) return undefined;
    await this.cache.invalidateTags([tenantKeysCacheTag(id)]);
    return view({ id: row.id, name: row.name, createdAt: row.created_at, suspendedAt: row.suspended_at });
  }
}

interface RawTenant {
  id: string;
  name: string;
  created_at: Date;
  suspended_at: Date | null;
}

function view(row: Tenant): TenantView {
  return {
    id: row.id,
    name: row.name,
    status: row.suspendedAt ? 'suspended' : 'active',
    createdAt: row.createdAt.toISOString(),
    suspendedAt: row.suspendedAt?.toISOString() ?? null,
  };
}
