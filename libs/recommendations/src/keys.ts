import { entityKey } from '@platform/database';

/**
 * Names the API (readers) and the worker (recompute) must agree on, kept in one place. A user is a
 * (tenant, user id) pair: every name below carries both, so one tenant's user can never be read,
 * cached, invalidated or recomputed as another tenant's user with the same id.
 */

/** Cache tag of every cached copy of one user's recommendations (HTTP body and service value). */
export const recommendationsCacheTag = (tenantId: string, userId: string): string =>
  `recs:${tenantId}:${userId}`;

/** Read-your-writes key of a user's data: events and recommendation writes are remembered under it. */
export const userConsistencyKey = (tenantId: string, userId: string): string =>
  entityKey('user', `${tenantId}:${userId}`);

export const RECOMMENDATIONS_UPDATED = 'recommendations.updated';
