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
  // Maps, not object literals: categories are client text, and a plain object keyed by "constructor",
  // "toString" or "__proto__" reads Object.prototype's members instead of an absent weight.
  const search = new Map<string, number>();
  const purchase = new Map<string, number>();
  let searches = 0;
  let purchases = 0;
  let lastEventAt: Date | null = null;

  for (const event of events) {
    const weight = decay(event.occurredAt, now);
    if (event.type === 'purchase') {
      purchases += 1;
      add(purchase, event.category, PURCHASE_WEIGHT * weight);
    } else {
      searches += 1;
      add(search, event.category, SEARCH_WEIGHT * weight);
    }
    if (!lastEventAt || event.occurredAt > lastEventAt) lastEventAt = event.occurredAt;
  }

  const categories = [...new Set([...search.keys(), ...purchase.keys()])];
  const weightage = new Map<string, number>();
  for (const c of categories) weightage.set(c, round((search.get(c) ?? 0) + (purchase.get(c) ?? 0)));

  // Strongest first; ties broken by name so the output is stable.
  const recommended = [...categories]
    .sort((a, b) => (weightage.get(b) ?? 0) - (weightage.get(a) ?? 0) || a.localeCompare(b))
    .slice(0, MAX_RECOMMENDED);
  const touched = new Set(categories);
  const explore = popularCategories.filter((c) => !touched.has(c)).slice(0, MAX_EXPLORE);

  return {
    userId,
    weightage: toRecord(weightage),
    search_weight: toRecord(search),
    purchase_weight: toRecord(purchase),
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

function add(weights: Map<string, number>, category: string, weight: number): void {
  weights.set(category, (weights.get(category) ?? 0) + weight);
}

/**
 * The JSON shape clients know: a plain object. `Object.fromEntries` defines each key as an own data
 * property, so even "__proto__" stays an ordinary key (an assignment would set the prototype instead).
 */
function toRecord(weights: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...weights].map(([k, v]) => [k, round(v)]));
}
