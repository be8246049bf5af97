import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  startInProcess,
  testEnv,
  waitFor,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

interface SeedBody {
  user_id: number | string;
  message?: string;
  recommendations: {
    weightage: number;
    search_weight: number;
    purchase_weight: number;
    recommended_categories: string[];
    explore_categories: string[];
  };
  metadata: { search_count: number; purchase_count: number };
}

/**
 * The seed service's README, replayed call for call against the real API and worker: its clients
 * add only an API key (`x-api-key`) to the requests they already make.
 */
describe("the seed's API, as its README calls it", () => {
  let db: TestDatabase;
  let api: RunningApp;
  let worker: RunningApp;
  let key: string;

  /** `apiKey: null` sends none. */
  const seedCall = (path: string, method = 'GET', apiKey: string | null = key) =>
    fetch(`${api.baseUrl}${path}`, { method, headers: apiKey ? { 'x-api-key': apiKey } : {} });

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = testEnv({
      DATABASE_URL: db.url,
    });
    api = await startInProcess('api', env);
    worker = await startInProcess('worker', env);
    // The seed's free-tier client: its batch cap (100) is the seed's own.
    key = (await issueApiKey(db.dataSource, 'seed-client', 'free')).key;
    const events = [
      ...['electronics', 'electronics', 'fashion', 'books', 'books'].map((category) => ({
        userId: '123',
        type: 'search',
        category,
      })),
      ...['electronics', 'fashion', 'fashion'].map((category) => ({
        userId: '123',
        type: 'purchase',
        category,
      })),
      { userId: '1', type: 'search', category: 'toys' },
      { userId: '2', type: 'purchase', category: 'beauty' },
    ];
    const posted = await fetch(`${api.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    expect(posted.status, await posted.clone().text()).toBe(202);
    await waitFor(
      async () => {
        const rows = await db.dataSource.query(`SELECT count(*)::int AS n FROM recommendations`);
        return rows[0].n === 3;
      },
      'recommendations for users 123, 1 and 2',
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await db?.drop();
  });

  it('curl /health', async () => {
    expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200);
  });

  it('curl /recommend/123 answers the seed shape with numeric totals', async () => {
    const res = await seedCall('/recommend/123');
    expect(res.status).toBe(200);
    const body = (await res.json()) as SeedBody;
    expect(Object.keys(body)).toEqual(['user_id', 'recommendations', 'metadata']);
    expect(body.user_id).toBe(123);
    expect(Object.keys(body.recommendations)).toEqual([
      'weightage',
      'search_weight',
      'purchase_weight',
      'recommended_categories',
      'explore_categories',
    ]);
    // Events from moments ago: decay is negligible at four decimals (search 1, purchase 3 each).
    expect(body.recommendations.search_weight).toBeCloseTo(5, 3);
    expect(body.recommendations.purchase_weight).toBeCloseTo(9, 3);
    expect(body.recommendations.weightage).toBeCloseTo(14, 3);
    expect(body.recommendations.recommended_categories).toEqual(['fashion', 'electronics', 'books']);
    expect(body.recommendations.explore_categories).toEqual(['beauty', 'toys']);
    expect(body.metadata).toEqual({ search_count: 5, purchase_count: 3 });
  });

  it('curl /recommend/1 and a user without data (the seed answered 200 with a message)', async () => {
    const one = (await (await seedCall('/recommend/1')).json()) as SeedBody;
    expect(one).toMatchObject({ user_id: 1, metadata: { search_count: 1, purchase_count: 0 } });
    const none = await seedCall('/recommend/999');
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({
      user_id: 999,
      message: 'No data found for this user',
      recommendations: [],
    });
  });

  it('curl "/batch-recommend?user_ids=1,2,3" and "…=1,2,3,4,5"', async () => {
    const three = await seedCall('/batch-recommend?user_ids=1,2,3');
    expect(three.status).toBe(200);
    const body = (await three.json()) as { successful: number; failed: number; results: SeedBody[] };
    expect(Object.keys(body)).toEqual(['successful', 'failed', 'results']);
    expect(body).toMatchObject({ successful: 3, failed: 0 });
    expect(body.results.map((r) => r.user_id)).toEqual([1, 2, 3]);
    expect(body.results[1]).toMatchObject({ metadata: { search_count: 0, purchase_count: 1 } });
    expect(body.results[2]).toEqual({
      user_id: 3,
      message: 'No data found for this user',
      recommendations: [],
    });

    const five = (await (await seedCall('/batch-recommend?user_ids=1,2,3,4,5')).json()) as {
      results: SeedBody[];
    };
    expect(five.results.map((r) => r.user_id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('curl -X POST /invalidate-cache/123, then the next read is a miss', async () => {
    await seedCall('/recommend/123');
    expect((await seedCall('/recommend/123')).headers.get('x-cache')).toMatch(/^HIT/);
    const res = await seedCall('/invalidate-cache/123', 'POST');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Cache invalidated for user 123' });
    const after = await seedCall('/recommend/123');
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(((await after.json()) as SeedBody).metadata).toEqual({ search_count: 5, purchase_count: 3 });
  });

  it('curl -I /recommend/1 | grep X-Cache', async () => {
    const head = await seedCall('/recommend/1', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('x-cache')).toMatch(/^(HIT-L1|HIT-L2|MISS)$/);
  });

  it('keeps the platform rules: API key, validation, tier batch cap; errors in the JSON envelope', async () => {
    const cases: Array<[string, string, string | null, number, string]> = [
      ['/recommend/123', 'GET', null, 401, 'unauthorized'],
      ['/recommend/123', 'GET', 'pk_wrong', 401, 'unauthorized'],
      ['/invalidate-cache/123', 'POST', null, 401, 'unauthorized'],
      ['/recommend/bad%20id', 'GET', key, 400, 'validation_failed'],
      ['/recommend/123?page=2', 'GET', key, 400, 'validation_failed'],
      ['/batch-recommend', 'GET', key, 400, 'validation_failed'],
      ['/batch-recommend?user_ids=1,,2', 'GET', key, 400, 'validation_failed'],
      [
        `/batch-recommend?user_ids=${Array.from({ length: 101 }, (_, i) => i).join(',')}`,
        'GET',
        key,
        400,
        'validation_failed',
      ],
      ['/invalidate-cache/%24%24', 'POST', key, 400, 'validation_failed'],
    ];
    for (const [path, method, apiKey, status, error] of cases) {
      const res = await seedCall(path, method, apiKey);
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(((await res.json()) as { error: string }).error, `${method} ${path}`).toBe(error);
    }
    // A 100-id batch costs 100 tokens: asked with a full bucket (another free key).
    const fresh = (await issueApiKey(db.dataSource, 'seed-batch', 'free')).key;
    const hundred = await seedCall(
      `/batch-recommend?user_ids=${Array.from({ length: 100 }, (_, i) => i).join(',')}`,
      'GET',
      fresh,
    );
    expect(hundred.status).toBe(200);
  });

  it('is documented in /docs-json with its response bodies', async () => {
    const doc = (await (await fetch(`${api.baseUrl}/docs-json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.paths['/recommend/{userId}'].get.responses['200']).toBeDefined();
    expect(doc.paths['/batch-recommend'].get.responses['200']).toBeDefined();
    expect(doc.paths['/invalidate-cache/{userId}'].post.responses['200']).toBeDefined();
  });
});
