import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import { computeRecommendations } from '@platform/recommendations';
import {
  createTestDatabase,
  startInProcess,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

describe('recommendation reads: single (cached, ETag), batch (capped per tier), invalidate', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let key: string;
  let freeKey: string;
  let tenant: string;

  /** What the worker would store for a user whose one event is a purchase in `category`. */
  const put = (userId: string, category: string) =>
    db.dataSource.query(
      `INSERT INTO recommendations (tenant_id, user_id, body, version, computed_at) VALUES ($1, $2, $3, 1, now())
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET body = EXCLUDED.body, version = recommendations.version + 1`,
      [
        tenant,
        userId,
        JSON.stringify(
          computeRecommendations(userId, [{ type: 'purchase', category, occurredAt: new Date() }], []),
        ),
      ],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startInProcess('api', testEnv({ DATABASE_URL: db.url }));
    const reader = await issueApiKey(db.dataSource, 'reader', 'pro');
    [key, tenant] = [reader.key, reader.tenant];
    freeKey = (await issueApiKey(db.dataSource, 'small', 'free', tenant)).key;
    await put('u1', 'books');
    await put('u2', 'garden');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${api.baseUrl}/v1${path}`, { headers: { 'x-api-key': key, ...headers } });

  it('serves one user, cached, with ETag and 304', async () => {
    const first = await get('/users/u1/recommendations');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(await first.json()).toMatchObject({ userId: 'u1', recommended_categories: ['books'] });
    const second = await get('/users/u1/recommendations');
    expect(second.headers.get('x-cache')).toBe('HIT-L1');
    const etag = second.headers.get('etag')!;
    const notModified = await get('/users/u1/recommendations', { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
  });

  it('answers 404 with a clear code when none exist yet, and 400 for a malformed id', async () => {
    const missing = await get('/users/nobody/recommendations');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'recommendations_not_found' });
    // Unknown query parameters are refused rather than each making its own cache entry.
    const busting = await get('/users/u1/recommendations?n=123');
    expect(busting.status).toBe(400);
    expect(((await busting.json()) as { fields: Array<{ field: string }> }).fields[0].field).toBe('query');
    const bad = await get(`/users/${encodeURIComponent('bad id!')}/recommendations`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: Array<{ field: string }> }).fields[0].field).toBe(
      'params.userId',
    );
  });

  it('invalidation drops the cached copy so the next read sees the new value', async () => {
    await get('/users/u2/recommendations');
    await put('u2', 'tools');
    expect(await (await get('/users/u2/recommendations')).json()).toMatchObject({
      recommended_categories: ['garden'],
    });
    const invalidated = await fetch(`${api.baseUrl}/v1/users/u2/recommendations/invalidate`, {
      method: 'POST',
      headers: { 'x-api-key': key },
    });
    expect(invalidated.status).toBe(204);
    const fresh = await get('/users/u2/recommendations');
    expect(fresh.headers.get('x-cache')).toBe('MISS');
    expect(await fresh.json()).toMatchObject({ recommended_categories: ['tools'] });
  });

  it('batch-reads, reporting found and missing users', async () => {
    const res = await get('/recommendations?user_ids=u1,nobody,u2,u1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      successful: number;
      failed: number;
      results: Array<{ userId: string; status: string }>;
    };
    expect(body.successful).toBe(2);
    expect(body.failed).toBe(1);
    expect(body.results.map((r) => [r.userId, r.status])).toEqual([
      ['u1', 'ok'],
      ['nobody', 'not_found'],
      ['u2', 'ok'],
    ]);
  });

  it("caps batch size by the caller's tier and validates every id", async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `u${i}`).join(',');
    const capped = await fetch(`${api.baseUrl}/v1/recommendations?user_ids=${ids}`, {
      headers: { 'x-api-key': freeKey },
    });
    expect(capped.status).toBe(400);
    expect(await capped.json()).toMatchObject({
      error: 'validation_failed',
      fields: [{ field: 'query.user_ids' }],
    });
    expect((await get('/recommendations?user_ids=u1,,u2')).status).toBe(400);
    expect((await get('/recommendations')).status).toBe(400);
    expect((await get('/recommendations?user_ids=u1&extra=1')).status).toBe(400);
  });
});
