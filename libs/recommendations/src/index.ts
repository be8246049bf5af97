export {
  computeRecommendations,
  decay,
  SEARCH_WEIGHT,
  PURCHASE_WEIGHT,
  HALF_LIFE_DAYS,
  MAX_RECOMMENDED,
  MAX_EXPLORE,
  type ScoredEvent,
  type RecommendationBody,
} from './scoring';
export { recommendationsCacheTag, userConsistencyKey, RECOMMENDATIONS_UPDATED } from './keys';
