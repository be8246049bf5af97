import { z } from 'zod';

/** The seed's response bodies, as zod schemas: they type the answers and document them in OpenAPI. */
const seedUserId = z.union([z.number().int(), z.string()]).meta({
  description: 'The user id; a number when it is an integer (as the seed service answered)',
});

export const seedRecommendationSchema = z.object({
  user_id: seedUserId,
  recommendations: z.object({
    weightage: z.number().meta({ description: 'search_weight + purchase_weight' }),
    search_weight: z.number(),
    purchase_weight: z.number(),
    recommended_categories: z.array(z.string()),
    explore_categories: z.array(z.string()),
  }),
  metadata: z.object({ search_count: z.number().int(), purchase_count: z.number().int() }),
});

export const seedNoDataSchema = z.object({
  user_id: seedUserId,
  message: z.literal('No data found for this user'),
  recommendations: z.tuple([]),
});

export const seedAnswerSchema = z.union([seedRecommendationSchema, seedNoDataSchema]);

export const seedBatchSchema = z.object({
  successful: z.number().int(),
  failed: z.number().int(),
  results: z.array(seedAnswerSchema),
});

export const seedMessageSchema = z.object({ message: z.string() });

export type SeedRecommendation = z.infer<typeof seedRecommendationSchema>;
export type SeedNoData = z.infer<typeof seedNoDataSchema>;
export type SeedBatch = z.infer<typeof seedBatchSchema>;
