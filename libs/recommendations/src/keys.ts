import { entityKey } from '@platform/database';

/**
 * Names the API (readers) and the worker (recompute) must agree on, kept in one place.
 */

/** Cache tag of every cached copy of one user's recommendations (HTTP body and service value). */
export const recommendationsCacheTag = (userId: string): string => `recs:${userId}`;

/** Read-your-writes key of a user's data: events and recommendation writes are remembered under it. */
export const userConsistencyKey = (userId: string): string => entityKey('user', userId);

export const RECOMMENDATIONS_UPDATED = 'recommendations.updated';
