import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  randomSuffix,
  startInProcess,
  testEnv,
  TEST_ADMIN_TOKEN,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

/** Two API instances on one database and one Redis prefix: what two pods behind a balancer share. */
describe('tiered cache through the API (two instances, real Postgres, Redis, HTTP)', () => {
  let db: TestDatabase;
  let one: RunningApp;
  let two: RunningApp;
  let keyA: string;
  let keyB: string;
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = testEnv({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: `test:${randomSuffix()}:` });
    [one, two] = await Promise.all([startInProcess('api', env), startInProcess('api', env)]);
    keyA = (await issueApiKey(db.dataSource, 'caller-a', 'free')).key;
    keyB = (await issueApiKey(db.dataSource, 'caller-b', 'free')).key;
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await db?.drop();
  });

  const me = (app: RunningApp, key: string, headers: Record<string, string> = {}) =>
    fetch(`${app.baseUrl}/v1/me`, { headers: { 'x-api-key': key, ...headers } });

  it('GET /v1/me moves MISS → HIT-L1 with the same body and ETag', async () => {
    const first = await me(one, keyA);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const body = await first.text();
    expect(JSON.parse(body)).toMatchObject({ name: 'caller-a', tier: { name: 'free' } });

    const second = await me(one, keyA);
    expect(second.headers.get('x-cache')).toBe('HIT-L1');
    expect(second.headers.get('etag')).toBe(etag);
    expect(await second.text()).toBe(body);
  });

  it('refuses query strings on /v1/me (400) instead of caching one entry per spelling', async () => {
    for (let i = 0; i < 5; i += 1) {
      const res = await fetch(`${one.baseUrl}/v1/me?bust=${i}`, { headers: { 'x-api-key': keyA } });
      expect(res.status).toBe(400);
      // The handler refused it, so nothing was stored for this spelling.
      expect(res.headers.get('x-cache')).toBeNull();
      expect(((await res.json()) as { error: string }).error).toBe('validation_failed');
    }
  });

  it('answers a matching If-None-Match with 304 and no body, and a stale one with 200', async () => {
    const etag = (await me(one, keyA)).headers.get('etag')!;
    const notModified = await me(one, keyA, { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(await notModified.text()).toBe('');
    const weak = await me(one, keyA, { 'if-none-match': `"other", W/${etag}` });
    expect(weak.status).toBe(304);
    const stale = await me(one, keyA, { 'if-none-match': '"not-it"' });
    expect(stale.status).toBe(200);
    expect(await stale.json()).toMatchObject({ name: 'caller-a' });
  });

  it("never serves caller A's cached response to caller B", async () => {
    await me(one, keyA); // A's response is cached on this instance
    const b = await me(one, keyB);
    expect(b.headers.get('x-cache')).toBe('MISS');
    expect(await b.json()).toMatchObject({ name: 'caller-b' });
    const bAgain = await me(one, keyB);
    expect(bAgain.headers.get('x-cache')).toBe('HIT-L1');
    expect(await bAgain.json()).toMatchObject({ name: 'caller-b' });
    expect(await (await me(one, keyA)).json()).toMatchObject({ name: 'caller-a' });
    // B cannot get A's response by presenting A's ETag either: it is B's own entry that is compared.
    const aEtag = (await me(one, keyA)).headers.get('etag')!;
    const bWithAEtag = await me(one, keyB, { 'if-none-match': aEtag });
    expect(bWithAEtag.status).toBe(200);
    expect(await bWithAEtag.json()).toMatchObject({ name: 'caller-b' });
  });

  it('the other instance answers from L2, then from its own L1', async () => {
    const key = (await issueApiKey(db.dataSource, 'caller-c', 'free')).key;
    expect((await me(one, key)).headers.get('x-cache')).toBe('MISS');
    expect((await me(two, key)).headers.get('x-cache')).toBe('HIT-L2');
    expect((await me(two, key)).headers.get('x-cache')).toBe('HIT-L1');
  });

  /** Polls `check` over HTTP until it holds; returns the ms it took from `since`. */
  async function msUntil(since: number, check: () => Promise<boolean>, limitMs = 2_000): Promise<number> {
    while (!(await check())) {
      if (performance.now() - since > limitMs) throw new Error(`not within ${limitMs} ms`);
    }
    return performance.now() - since;
  }

  it('a tier change on one instance reaches the other at once, not after a TTL', async () => {
    const tier = `t${randomSuffix()}`;
    const limits = { ratePerMinute: 100, burst: 100, defaultPriority: 'normal', maxBatch: 10 };
    const put = (body: object) =>
      fetch(`${one.baseUrl}/v1/admin/tiers/${tier}`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify(body),
      });
    expect((await put(limits)).status).toBe(200);
    const key = (await issueApiKey(db.dataSource, 'tiered', tier)).key;
    // Instance two caches the tier (lookup and /v1/me response) in its L1.
    await me(two, key);
    expect((await me(two, key)).headers.get('x-cache')).toBe('HIT-L1');

    const started = performance.now();
    expect((await put({ ...limits, burst: 777 })).status).toBe(200);
    const afterPut = performance.now();
    const ms = await msUntil(started, async () => {
      const body = (await (await me(two, key)).json()) as { tier: { burst: number } };
      return body.tier.burst === 777;
    });
    console.log(
      `tier change visible on the other instance ${ms.toFixed(1)} ms after the PUT was sent ` +
        `(${(ms - (afterPut - started)).toFixed(1)} ms after its response)`,
    );
    expect(ms).toBeLessThan(1_000); // TIER_CACHE_TTL_MS is far longer; this is the invalidation
  });

  it('a key revoked on one instance is refused by the other at once', async () => {
    const created = await fetch(`${one.baseUrl}/v1/admin/api-keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'short-lived', tier: 'free' }),
    });
    const { id, key } = (await created.json()) as { id: string; key: string };
    await me(two, key);
    expect((await me(two, key)).headers.get('x-cache')).toBe('HIT-L1');
    const started = performance.now();
    expect(
      (await fetch(`${one.baseUrl}/v1/admin/api-keys/${id}`, { method: 'DELETE', headers: admin })).status,
    ).toBe(204);
    const ms = await msUntil(started, async () => (await me(two, key)).status === 401);
    console.log(`revocation enforced on the other instance ${ms.toFixed(1)} ms after the DELETE was sent`);
    expect(ms).toBeLessThan(1_000);
  });

  it('reports cache metrics', async () => {
    const text = await (await fetch(`${one.baseUrl}/metrics`)).text();
    expect(text).toMatch(/cache_requests_total\{layer="l1",result="hit"\} [1-9]/);
    expect(text).toMatch(/cache_requests_total\{layer="l2",result="miss"\} [1-9]/);
    expect(text).toMatch(/cache_l1_entries [1-9]/);
    expect(text).toMatch(/cache_l1_bytes [1-9]/);
    expect(text).toMatch(/cache_load_duration_seconds_count\{result="success"\} [1-9]/);
  });

  it('lists the cache in /health/detailed', async () => {
    const res = await fetch(`${one.baseUrl}/health/detailed`, { headers: admin });
    const body = (await res.json()) as { details: Record<string, Record<string, unknown>> };
    expect(body.details.cache).toMatchObject({
      status: 'up',
      l1Entries: expect.any(Number),
      l1Bytes: expect.any(Number),
      l2Breaker: 'closed',
    });
  });
});
