import { describe, expect, it } from 'vitest';
import { computeRecommendations, decay, HALF_LIFE_DAYS, PURCHASE_WEIGHT, SEARCH_WEIGHT } from './scoring';

const now = new Date('2026-11-25T12:00:00Z');
const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000);

describe('computeRecommendations', () => {
  it('weighs purchases over searches and sums them into weightage', () => {
    const body = computeRecommendations(
      'u1',
      [
        { type: 'search', category: 'books', occurredAt: now },
        { type: 'search', category: 'books', occurredAt: now },
        { type: 'purchase', category: 'garden', occurredAt: now },
        { type: 'search', category: 'garden', occurredAt: now },
      ],
      ['toys', 'books', 'music', 'garden', 'sports'],
      now,
    );
    expect(body.search_weight).toEqual({ books: 2 * SEARCH_WEIGHT, garden: SEARCH_WEIGHT });
    expect(body.purchase_weight).toEqual({ garden: PURCHASE_WEIGHT });
    expect(body.weightage).toEqual({ books: 2, garden: 4 });
    expect(body.recommended_categories).toEqual(['garden', 'books']);
    expect(body.explore_categories).toEqual(['toys', 'music', 'sports']);
    expect(body.metadata).toMatchObject({
      searches: 3,
      purchases: 1,
      categories: 2,
      lastEventAt: now.toISOString(),
    });
  });

  it('lets recent interest outrank old interest', () => {
    expect(decay(at(HALF_LIFE_DAYS), now)).toBeCloseTo(0.5, 10);
    const body = computeRecommendations(
      'u2',
      [
        { type: 'purchase', category: 'old', occurredAt: at(120) },
        { type: 'search', category: 'new', occurredAt: at(0) },
      ],
      [],
      now,
    );
    expect(body.weightage.old).toBeCloseTo(PURCHASE_WEIGHT / 16, 3);
    expect(body.recommended_categories).toEqual(['new', 'old']);
  });

  it('handles a user with no events', () => {
    const body = computeRecommendations('u3', [], ['a', 'b', 'c', 'd'], now);
    expect(body.recommended_categories).toEqual([]);
    expect(body.explore_categories).toEqual(['a', 'b', 'c']);
    expect(body.metadata.lastEventAt).toBeNull();
  });

  it('orders ties by name so results are stable', () => {
    const events = ['b', 'a', 'c'].map((category) => ({
      type: 'search' as const,
      category,
      occurredAt: now,
    }));
    expect(computeRecommendations('u4', events, [], now).recommended_categories).toEqual(['a', 'b', 'c']);
  });
});
