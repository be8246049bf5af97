import type { RecommendationBody } from '@platform/recommendations';
import type { SeedNoData, SeedRecommendation } from './seed-api.schemas';

/*
 * The seed service's response shapes, kept exactly so its clients work unchanged. It was a Python
 * service whose user ids were integers, and it answered per-user totals rather than per-category maps.
 */

/** Ids that look like the seed's integers go back as numbers; any other id stays a string. */
export function seedUserId(userId: string): number | string {
  return /^(0|[1-9]\d{0,14})$/.test(userId) ? Number(userId) : userId;
}

const round = (n: number) => Math.round(n * 1e4) / 1e4;
const total = (weights: Record<string, number>) => round(Object.values(weights).reduce((a, b) => a + b, 0));

export function toSeedShape(
  userId: string,
  body: RecommendationBody | undefined,
): SeedRecommendation | SeedNoData {
  if (!body)
    return { user_id: seedUserId(userId), message: 'No data found for this user', recommendations: [] };
  const search = total(body.search_weight);
  const purchase = total(body.purchase_weight);
  return {
    user_id: seedUserId(userId),
    recommendations: {
      // From the two totals, so weightage = search_weight + purchase_weight holds exactly.
      weightage: round(search + purchase),
      search_weight: search,
      purchase_weight: purchase,
      recommended_categories: body.recommended_categories,
      explore_categories: body.explore_categories,
    },
    metadata: { search_count: body.metadata.searches, purchase_count: body.metadata.purchases },
  };
}

export function seedInvalidated(userId: string): { message: string } {
  return { message: `Cache invalidated for user ${seedUserId(userId)}` };
}
