import { describe, expect, it } from 'vitest';
import { computeRecommendations } from '@platform/recommendations';
import { seedInvalidated, seedUserId, toSeedShape } from './seed-shape';

describe('seed response shapes', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const body = computeRecommendations(
    '42',
    [
      { type: 'search', category: 'books', occurredAt: now },
      { type: 'search', category: 'books', occurredAt: now },
      { type: 'search', category: 'toys', occurredAt: now },
      { type: 'purchase', category: 'garden', occurredAt: now },
    ],
    ['books', 'music'],
    now,
  );

  it('nests numeric totals under recommendations and counts under metadata', () => {
    expect(toSeedShape('42', body)).toEqual({
      user_id: 42,
      recommendations: {
        weightage: 6,
        search_weight: 3,
        purchase_weight: 3,
        recommended_categories: ['garden', 'books', 'toys'],
        explore_categories: ['music'],
      },
      metadata: { search_count: 3, purchase_count: 1 },
    });
  });

  it('answers the seed no-data body for a user without recommendations', () => {
    expect(toSeedShape('7', undefined)).toEqual({
      user_id: 7,
      message: 'No data found for this user',
      recommendations: [],
    });
  });

  it('gives integer-looking ids back as numbers and every other id as it came', () => {
    expect(seedUserId('0')).toBe(0);
    expect(seedUserId('123456789012345')).toBe(123456789012345);
    for (const id of ['007', 'alice', '1e3', '1234567890123456', '-1', '1.5'])
      expect(seedUserId(id)).toBe(id);
    expect(seedInvalidated('12')).toEqual({ message: 'Cache invalidated for user 12' });
  });
});
