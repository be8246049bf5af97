import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

/**
 * Cost matches work: a batch read takes one token per id, an event batch one per event, an
 * invalidation (which reaches every instance) ten; a batch above the tier's cap is refused (400)
 * for one token, since it does no work. A free key: burst 150, 100/minute, maxBatch 100.
 */
describe('request costs (real API, Postgres, Redis)', () => {
  let db: TestDatabase;
  let api: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startInProcess('api', testEnv({ DATABASE_URL: db.url }));
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** A fresh free key, so each case starts from a full bucket of 150. */
  const freshKey = async () => (await issueApiKey(db.dataSource, 'costs', 'free')).key;
  const send = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    await res.arrayBuffer();
    return { status: res.status, remaining: Number(res.headers.get('ratelimit-remaining')) };
  };
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`).join(',');
  // The bucket refills at 100/minute: a test taking a second may see one or two tokens back.
  const spent = (remaining: number) => 150 - remaining;

  it.each([
    ['a batch read of 60 ids', 'GET', `/v1/recommendations?user_ids=${ids(60)}`, undefined, 200, 60],
    ['the seed batch of 40 ids', 'GET', `/batch-recommend?user_ids=${ids(40)}`, undefined, 200, 40],
    [
      'an event batch of 30 events',
      'POST',
      '/v1/events',
      { events: Array.from({ length: 30 }, () => ({ userId: 'cost', type: 'search', category: 'books' })) },
      202,
      30,
    ],
    ['one event', 'POST', '/v1/events', { userId: 'cost', type: 'search', category: 'books' }, 202, 1],
    ['an invalidation', 'POST', '/v1/users/cost/recommendations/invalidate', undefined, 204, 10],
    ['a seed invalidation', 'POST', '/invalidate-cache/cost', undefined, 200, 10],
    ['a single read', 'GET', '/v1/users/cost/recommendations', undefined, 404, 1],
    [
      'a batch above the tier cap (400)',
      'GET',
      `/v1/recommendations?user_ids=${ids(500)}`,
      undefined,
      400,
      1,
    ],
  ] as const)('%s costs what it does', async (_name, method, path, body, status, tokens) => {
    const key = await freshKey();
    const res = await send(key, method, path, body);
    expect(res.status).toBe(status);
    expect(spent(res.remaining)).toBeGreaterThanOrEqual(tokens - 2);
    expect(spent(res.remaining)).toBeLessThanOrEqual(tokens);
  });

  it('refuses a batch the bucket cannot pay for, with 429 and nothing read', async () => {
    const key = await freshKey();
    expect((await send(key, 'GET', `/v1/recommendations?user_ids=${ids(100)}`)).status).toBe(200);
    const second = await send(key, 'GET', `/v1/recommendations?user_ids=${ids(100)}`);
    expect(second.status).toBe(429);
    // A single read still fits in what is left.
    expect((await send(key, 'GET', '/v1/users/cost/recommendations')).status).toBe(404);
  });
});
