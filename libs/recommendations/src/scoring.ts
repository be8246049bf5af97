import type { RecommendationBody } from './body.schema';

/**
 * How recommendations are computed from a user's events. Pure: the processor feeds it rows and
 * stores what it returns, so the rules are testable without a database.
 *
 * - Each event adds weight to its category: a purchase counts PURCHASE_WEIGHT, a search SEARCH_WEIGHT
 *   (purchases say far more about intent than searches).
 * - Weight decays with age (half-life HALF_LIFE_DAYS), so last week's interests outrank last year's.
 * - weightage[c] = search_weight[c] + purchase_weight[c]; recommended = strongest categories;
 *   explore = popular categories the user has not touched yet.
 */
export const SEARCH_WEIGHT = 1;
export const PURCHASE_WEIGHT = 3;
export const HALF_LIFE_DAYS = 30;
export const MAX_RECOMMENDED = 5;
export const MAX_EXPLORE = 3;

export interface ScoredEvent {
  type: 'search' | 'purchase';
  category: string;
  occurredAt: Date;
}

const DAY_MS = 86_400_000;
const round = (n: number) => Math.round(n * 1e4) / 1e4;

export function decay(occurredAt: Date, now: Date): number {
  const ageDays = Math.max(0, now.getTime() - occurredAt.getTime()) / DAY_MS;
  return Math.pow(0.5, ageDays / HALF_LIFE_DAYS);
}

export function computeRecommendations(
  userId: string,
  events: readonly ScoredEvent[],
  popularCategories: readonly string[],
  now: Date = new Date(),
): RecommendationBody {
  const search: Record<string, number> = {};
  const purchase: Record<string, number> = {};
  let searches = 0;
  let purchases = 0;
  let lastEventAt: Date | null = null;

  for (const event of events) {
    const weight = decay(event.occurredAt, now);
    if (event.type === 'purchase') {
      purchases += 1;
      purchase[event.category] = (purchase[event.category] ?? 0) + PURCHASE_WEIGHT * weight;
    } else {
      searches += 1;
      search[event.category] = (search[event.category] ?? 0) + SEARCH_WEIGHT * weight;
    }
    if (!lastEventAt || event.occurredAt > lastEventAt) lastEventAt = event.occurredAt;
  }

  const categories = [...new Set([...Object.keys(search), ...Object.keys(purchase)])];
  const weightage: Record<string, number> = {};
  for (const c of categories) weightage[c] = round((search[c] ?? 0) + (purchase[c] ?? 0));

  // Strongest first; ties broken by name so the output is stable.
  const recommended = [...categories]
    .sort((a, b) => weightage[b] - weightage[a] || a.localeCompare(b))
    .slice(0, MAX_RECOMMENDED);
  const touched = new Set(categories);
  const explore = popularCategories.filter((c) => !touched.has(c)).slice(0, MAX_EXPLORE);

  return {
    userId,
    weightage,
    search_weight: roundAll(search),
    purchase_weight: roundAll(purchase),
    recommended_categories: recommended,
    explore_categories: explore,
    metadata: {
      searches,
      purchases,
      categories: categories.length,
      lastEventAt: lastEventAt?.toISOString() ?? null,
      computedAt: now.toISOString(),
      model: { searchWeight: SEARCH_WEIGHT, purchaseWeight: PURCHASE_WEIGHT, halfLifeDays: HALF_LIFE_DAYS },
    },
  };
}

function roundAll(weights: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, round(v)]));
}
