import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import { computeRecommendations } from '@platform/recommendations';
import {
  createTestDatabase,
  startInProcess,
  testEnv,
  TEST_ADMIN_TOKEN,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

/** Headers that differ between any two responses (time, identity of the request, token counts). */
const VOLATILE = new Set(['date', 'x-request-id', 'ratelimit-remaining', 'ratelimit-reset', 'keep-alive']);
const stable = (res: Response) =>
  Object.fromEntries([...res.headers].filter(([name]) => !VOLATILE.has(name)).sort());

describe('cached-read fast path (real API, Postgres, Redis, HTTP)', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let key: string;
  /** The reader's tenant, whose users alice and bob are; the other keys read them from it too. */
  let tenant: string;
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startInProcess('api', testEnv({ DATABASE_URL: db.url, LOG_LEVEL: 'info' }));
    const reader = await issueApiKey(db.dataSource, 'reader', 'pro');
    [key, tenant] = [reader.key, reader.tenant];
    // What the worker stores (the contract check validates every body against its schema).
    const body = (userId: string) =>
      JSON.stringify(
        computeRecommendations(userId, [{ type: 'purchase', category: 'books', occurredAt: new Date() }], []),
      );
    await db.dataSource.query(
      `INSERT INTO recommendations (tenant_id, user_id, body) VALUES ($5, $1, $2), ($5, $3, $4)`,
      ['alice', body('alice'), 'bob', body('bob'), reader.tenant],
    );
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const get = (path: string, headers: Record<string, string> = {}, apiKey = key) =>
    fetch(`${api.baseUrl}${path}`, { headers: { 'x-api-key': apiKey, ...headers } });
  const fastPath = async () => {
    const text = await (await fetch(`${api.baseUrl}/metrics`)).text();
    const value = (result: string) =>
      Number(
        new RegExp(`^http_cached_read_fast_path_total\\{result="${result}"\\} (\\d+)`, 'm').exec(text)?.[1] ??
          0,
      );
    return { answered: value('answered'), passed: value('passed') };
  };

  it('answers L1 hits of a learned route itself, exactly as the full pipeline does', async () => {
    const miss = await get('/v1/users/alice/recommendations');
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-cache')).toBe('MISS');
    const body = await miss.text();

    const before = await fastPath();
    const hit = await get('/v1/users/alice/recommendations');
    expect(hit.status).toBe(200);
    expect(await hit.text()).toBe(body);
    expect(hit.headers.get('x-cache')).toBe('HIT-L1');
    expect(hit.headers.get('etag')).toBe(miss.headers.get('etag'));
    // A token was taken (the bucket may have refilled one meanwhile); exact counts: the 429 test below.
    expect(Number(hit.headers.get('ratelimit-remaining'))).toBeLessThanOrEqual(
      Number(miss.headers.get('ratelimit-remaining')),
    );
    expect((await fastPath()).answered).toBe(before.answered + 1);

    // The same route served by the full pipeline (the fast path steps aside for an address that just
    // failed auth) carries the same headers.
    expect((await get('/v1/users/alice/recommendations', {}, 'not-a-valid-key')).status).toBe(401);
    const full = await get('/v1/users/alice/recommendations');
    expect(full.headers.get('x-cache')).toBe('HIT-L1');
    expect((await fastPath()).answered).toBe(before.answered + 1);
    expect(stable(full)).toEqual(stable(hit));
    expect(await full.text()).toBe(body);
  });

  it('answers 304 for a matching If-None-Match, and logs and measures what it answers', async () => {
    const { etag } = Object.fromEntries((await get('/v1/users/bob/recommendations')).headers);
    const before = await fastPath();
    const notModified = await get('/v1/users/bob/recommendations', { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect((await fastPath()).answered).toBeGreaterThanOrEqual(before.answered);
    const lines = api.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'request', route: '/v1/users/:userId/recommendations', status: 304 }),
    );
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /http_server_request_duration_seconds_count\{method="GET",route="\/v1\/users\/:userId\/recommendations",status_code="304"\} [1-9]/,
    );
  });

  it('serves percent-encoded spellings of a path from one entry, and refuses query strings as before', async () => {
    const encoded = await get('/v1/users/%61lice/recommendations');
    expect(encoded.status).toBe(200);
    expect(encoded.headers.get('x-cache')).toBe('HIT-L1');
    const queried = await get('/v1/users/alice/recommendations?x=1');
    expect(queried.status).toBe(400);
    expect(await queried.json()).toMatchObject({ error: 'validation_failed' });
  });

  it('never serves what was invalidated, a revoked key, or past the caller bucket', async () => {
    expect(
      (
        await fetch(`${api.baseUrl}/v1/users/alice/recommendations/invalidate`, {
          method: 'POST',
          headers: { 'x-api-key': key },
        })
      ).status,
    ).toBe(204);
    expect((await get('/v1/users/alice/recommendations')).headers.get('x-cache')).not.toBe('HIT-L1');

    const { id, key: doomed } = await issueApiKey(db.dataSource, 'doomed', 'free', tenant);
    expect((await get('/v1/users/bob/recommendations', {}, doomed)).status).toBe(200);
    expect((await get('/v1/users/bob/recommendations', {}, doomed)).headers.get('x-cache')).toBe('HIT-L1');
    const revoked = await fetch(`${api.baseUrl}/v1/admin/api-keys/${id}`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(revoked.status).toBe(204);
    const refused = await get('/v1/users/bob/recommendations', {}, doomed);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('takes the same tokens: a free key gets exactly its burst, then the same 429 envelope', async () => {
    const { key: free } = await issueApiKey(db.dataSource, 'free-reader', 'free', tenant);
    const started = performance.now();
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 170; i++) {
      const res = await get('/v1/users/bob/recommendations', {}, free);
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
      else await res.arrayBuffer();
    }
    const refilled = Math.floor(((performance.now() - started) * 100) / 60_000);
    const admitted = statuses.filter((s) => s === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(150);
    expect(admitted).toBeLessThanOrEqual(150 + refilled);
    expect(limited!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited!.headers.get('ratelimit-limit')).toBe('150');
    expect(limited!.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await limited!.json()).toEqual({
      error: 'rate_limited',
      message: 'Rate limit exceeded; retry after the time in Retry-After',
      requestId: limited!.headers.get('x-request-id'),
    });
  });
});
