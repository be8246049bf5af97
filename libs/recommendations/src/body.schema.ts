import { z } from 'zod';

const weights = z.record(z.string(), z.number());

/**
 * A user's recommendations (the seed's shape plus metadata): what the worker stores and the API
 * returns. The OpenAPI document and the typed client are generated from this schema.
 */
export const recommendationBodySchema = z.strictObject({
  userId: z.string(),
  weightage: weights.meta({ description: 'search_weight + purchase_weight per category' }),
  search_weight: weights,
  purchase_weight: weights,
  recommended_categories: z.array(z.string()).meta({ description: 'Strongest categories first' }),
  explore_categories: z
    .array(z.string())
    .meta({ description: 'Popular categories the user has not touched' }),
  metadata: z.strictObject({
    searches: z.number().int(),
    purchases: z.number().int(),
    categories: z.number().int(),
    lastEventAt: z.iso.datetime().nullable(),
    computedAt: z.iso.datetime(),
    model: z.strictObject({
      searchWeight: z.number(),
      purchaseWeight: z.number(),
      halfLifeDays: z.number(),
    }),
  }),
});
export type RecommendationBody = z.infer<typeof recommendationBodySchema>;

export const RECOMMENDATION_EXAMPLE: RecommendationBody = {
  userId: 'alice',
  weightage: { garden: 3, books: 1 },
  search_weight: { books: 1 },
  purchase_weight: { garden: 3 },
  recommended_categories: ['garden', 'books'],
  explore_categories: ['music'],
  metadata: {
    searches: 1,
    purchases: 1,
    categories: 2,
    lastEventAt: '2026-12-02T05:00:00.000Z',
    computedAt: '2026-12-02T05:00:00.300Z',
    model: { searchWeight: 1, purchaseWeight: 3, halfLifeDays: 30 },
  },
};
