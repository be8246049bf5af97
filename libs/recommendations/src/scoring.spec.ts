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

  // Categories are client text: names of Object.prototype members must be ordinary categories.
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'weighs a category named %s like any other, in a plain JSON object',
    (name) => {
      const body = computeRecommendations(
        'u5',
        [
          { type: 'search', category: name, occurredAt: now },
          { type: 'search', category: name, occurredAt: now },
          { type: 'purchase', category: name, occurredAt: now },
          { type: 'search', category: 'books', occurredAt: now },
        ],
        [name, 'music'],
        now,
      );
      const expected = { [name]: 2 * SEARCH_WEIGHT + PURCHASE_WEIGHT, books: SEARCH_WEIGHT };
      for (const weights of [body.weightage, body.search_weight, body.purchase_weight]) {
        expect(Object.getPrototypeOf(weights)).toBe(Object.prototype);
        expect(Object.keys(weights)).toContain(name);
        expect(Object.getOwnPropertyDescriptor(weights, name)?.value).toEqual(expect.any(Number));
      }
      expect(Object.getOwnPropertyDescriptor(body.weightage, name)?.value).toBe(expected[name]);
      expect(body.weightage.books).toBe(SEARCH_WEIGHT);
      expect(Object.getOwnPropertyDescriptor(body.search_weight, name)?.value).toBe(2 * SEARCH_WEIGHT);
      expect(Object.getOwnPropertyDescriptor(body.purchase_weight, name)?.value).toBe(PURCHASE_WEIGHT);
      expect(body.recommended_categories).toEqual([name, 'books']);
      expect(body.explore_categories).toEqual(['music']);
      expect(body.metadata.categories).toBe(2);
      // What the worker stores and the API sends: the same keys survive JSON both ways.
      const json = JSON.stringify(body.weightage);
      expect(json).toBe(
        JSON.stringify(
          Object.fromEntries([
            [name, expected[name]],
            ['books', 1],
          ]),
        ),
      );
      expect(Object.keys(JSON.parse(json) as object).sort()).toEqual([name, 'books'].sort());
      // Nothing leaked into every object.
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'books')).toBe(false);
      expect(({} as Record<string, unknown>).books).toBeUndefined();
    },
  );
});
