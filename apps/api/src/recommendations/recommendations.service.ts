import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { TieredCache } from '@platform/cache';
import { readFromPrimary, Recommendation, runAs } from '@platform/database';
import {
  recommendationsCacheTag,
  userConsistencyKey,
  type RecommendationBody,
} from '@platform/recommendations';

/**
 * How long a user's recommendation is cached, by both entries that hold it: the object (batch reads,
 * and the single read's handler) and the single read's HTTP response (its serialized bytes and ETag,
 * what the cached-read fast path answers from). Both carry the user's tag, so one invalidation drops
 * both on every instance; the long TTL is only a backstop.
 */
export const RECOMMENDATION_CACHE_TTL = { ttlMs: 3_600_000, l1TtlMs: 60_000 } as const;

const key = (tenantId: string, userId: string) => `recs:v1:${tenantId}:${userId}`;
const entryOptions = (tenantId: string, userId: string) => ({
  ...RECOMMENDATION_CACHE_TTL,
  tags: [recommendationsCacheTag(tenantId, userId)],
});

/**
 * Reads computed recommendations of a tenant's users (a user id means a user of that tenant only:
 * another tenant's user with the same id is simply not found). Each user's value is cached (L1 → L2 → replica) and dropped on every
 * instance when the worker recomputes it, so a long TTL is safe.
 */
@Injectable()
export class RecommendationsService {
  constructor(
    @InjectRepository(Recommendation) private readonly recommendations: Repository<Recommendation>,
    private readonly cache: TieredCache,
  ) {}

  /** Concurrent misses for one user share one load (the cache's single-flight). */
  findOne(tenantId: string, userId: string): Promise<RecommendationBody | undefined> {
    return this.cache.wrap(
      key(tenantId, userId),
      // As the user: the worker remembered its recompute under this key, so a replica that has not
      // replayed it is skipped and a stale value is never read (and cached) after an invalidation.
      async () =>
        (await runAs(userConsistencyKey(tenantId, userId), () => this.query(tenantId, [userId])))[0]?.body,
      entryOptions(tenantId, userId),
    );
  }

  /** Many users at once: cache hits first (L1, then one Redis round trip), then one query for the rest. */
  async findMany(tenantId: string, userIds: readonly string[]): Promise<Map<string, RecommendationBody>> {
    const unique = [...new Set(userIds)];
    const cached = await this.cache.getMany<RecommendationBody>(unique.map((id) => key(tenantId, id)));
    const found = new Map<string, RecommendationBody>();
    const misses: string[] = [];
    for (const id of unique) {
      const value = cached.get(key(tenantId, id));
      if (value) found.set(id, value);
      else misses.push(id);
    }
    // Misses of a batch come from the primary: one query cannot be consistent for many users'
    // keys at once, and what is read here is cached (a fill: other instances have nothing to drop).
    const rows = await readFromPrimary(() => this.query(tenantId, misses));
    await Promise.all(
      rows.map((row) =>
        this.cache.fill(key(tenantId, row.userId), row.body, entryOptions(tenantId, row.userId)),
      ),
    );
    for (const row of rows) found.set(row.userId, row.body);
    return found;
  }

  /** Drops the tenant's user's cached copies on every instance; other tenants' users are untouched. */
  invalidate(tenantId: string, userId: string): Promise<void> {
    return this.cache.invalidateTags([recommendationsCacheTag(tenantId, userId)]);
  }

  private async query(
    tenantId: string,
    userIds: readonly string[],
  ): Promise<Array<{ userId: string; body: RecommendationBody }>> {
    if (userIds.length === 0) return [];
    const rows = await this.recommendations.find({
      where: { tenantId, userId: In([...userIds]) },
      select: { userId: true, body: true },
    });
    // The worker stores only computeRecommendations' output (recommendationBodySchema).
    return rows.map((row) => ({ userId: row.userId, body: row.body as RecommendationBody }));
  }
}
