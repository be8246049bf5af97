export {
  computeRecommendations,
  decay,
  SEARCH_WEIGHT,
  PURCHASE_WEIGHT,
  HALF_LIFE_DAYS,
  MAX_RECOMMENDED,
  MAX_EXPLORE,
  type ScoredEvent,
} from './scoring';
export { recommendationBodySchema, RECOMMENDATION_EXAMPLE, type RecommendationBody } from './body.schema';
export { recommendationsCacheTag, userConsistencyKey, RECOMMENDATIONS_UPDATED } from './keys';
