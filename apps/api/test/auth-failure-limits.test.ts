import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import { computeRecommendations } from '@platform/recommendations';
import { generateSecret } from '@platform/security';
import {
  createTestDatabase,
  startInProcess,
  testEnv,
  TEST_ADMIN_TOKEN,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

/** THROTTLE_AUTH_FAILURES_BURST's default. */
const BURST = 20;

/**
 * The failed-auth bucket under concurrency, over real HTTP, Redis and Postgres. TRUST_PROXY=1 lets
 * each test speak from its own client address (X-Forwarded-For), so buckets do not mix.
 */
describe('failed-auth limiting that cannot be raced', () => {
  let db: TestDatabase;
  let api: RunningApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startInProcess('api', testEnv({ DATABASE_URL: db.url, TRUST_PROXY: '1' }));
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** A key of the real format that no one was issued. */
  const unknownKey = () => generateSecret('pk_');
  const call = async (path: string, from: string, headers: Record<string, string>) => {
    const res = await fetch(`${api.baseUrl}${path}`, { headers: { 'x-forwarded-for': from, ...headers } });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const me = (key: string, from: string) => call('/v1/me', from, { 'x-api-key': key });
  const metric = async (name: string, labels: string) => {
    const text = await (await fetch(`${api.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return Number(line?.split(' ').pop() ?? 0);
  };
  const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

  it('200 concurrent distinct bad keys from one address: at most the burst of lookups, the rest 429', async () => {
    const from = '198.51.100.10';
    // Open the connections first (fetch keeps them alive), so the 200 requests arrive together.
    await Promise.all(
      Array.from({ length: 200 }, () => fetch(`${api.baseUrl}/health`).then((r) => r.text())),
    );
    const before = await metric('db_queries_total', 'target="primary"');
    const answers = await Promise.all(Array.from({ length: 200 }, () => me(unknownKey(), from)));
    const queries = (await metric('db_queries_total', 'target="primary"')) - before;
    const statuses = answers.map((a) => a.status);
    const tally = [...new Set(statuses)].sort().map((s) => `${count(statuses, s)}×${s}`);
    console.info(`bad-key flood: ${queries} primary queries, ${tally.join(', ')}`);
    expect(count(statuses, 401) + count(statuses, 429)).toBe(200);
    // One lookup per reserved token. Slack: on a loaded machine a Redis call may outlast the throttle
    // breaker's timeout and the in-process fallback decides it (ratelimit_local_fallback_total), and
    // the app's own statements (one or two) are counted too.
    expect(count(statuses, 401)).toBeLessThanOrEqual(BURST + 2);
    expect(queries).toBeLessThanOrEqual(BURST + 4);
    const limited = answers.find((a) => a.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('ratelimit-limit')).toBe(String(BURST));
    expect(limited.body).toMatchObject({ error: 'rate_limited', requestId: expect.any(String) });
  });

  it('a valid key the cache knows is neither charged nor refused after others failed from its address', async () => {
    const from = '198.51.100.20';
    const { key } = await issueApiKey(db.dataSource, 'behind-nat', 'free');
    expect((await me(key, from)).status).toBe(200); // now in the cache
    const statuses: number[] = [];
    for (let i = 0; i < BURST + 3; i += 1) statuses.push((await me(unknownKey(), from)).status);
    expect(statuses.slice(0, BURST)).toEqual(Array(BURST).fill(401));
    expect(statuses.slice(BURST)).toEqual([429, 429, 429]);
    for (let i = 0; i < 5; i += 1) expect((await me(key, from)).status).toBe(200);
    // Nor did those successes put tokens back: the address is still out of attempts.
    expect((await me(unknownKey(), from)).status).toBe(429);
  });

  it('a wave of bad admin tokens gets at most the burst of 401s, then 429, in the same bucket as API keys', async () => {
    const from = '198.51.100.30';
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        call('/v1/admin/tiers/free', from, { authorization: `Bearer wrong-admin-token-${i}` }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(count(statuses, 401) + count(statuses, 429)).toBe(60);
    expect(count(statuses, 401)).toBeLessThanOrEqual(BURST + 2); // slack: as above
    const limited = answers.find((a) => a.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body).toMatchObject({ error: 'rate_limited' });
    // One bucket per address: a bad API key from there is refused too, and a right admin token
    // waits as well (a 200 among the 429s would confirm a guess).
    expect((await me(unknownKey(), from)).status).toBe(429);
    const admin = await call('/v1/admin/tiers/free', from, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
    expect(admin.status).toBe(429);
    // A right admin token from another address passes.
    const other = await call('/v1/admin/tiers/free', '198.51.100.31', {
      authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
    });
    expect(other.status).toBe(200);
  });

  it('groups IPv6 clients by /64 and reads IPv4-mapped IPv6 as the IPv4 address', async () => {
    const exhaust = async (from: string) => {
      for (let i = 0; i < BURST; i += 1) expect((await me(unknownKey(), from)).status).toBe(401);
    };
    await exhaust('2001:db8:a:b::1');
    expect((await me(unknownKey(), '2001:db8:a:b:ffff:ffff:ffff:fffe')).status).toBe(429);
    expect((await me(unknownKey(), '2001:db8:a:c::1')).status).toBe(401);
    await exhaust('203.0.113.77');
    expect((await me(unknownKey(), '::ffff:203.0.113.77')).status).toBe(429);
    expect((await me(unknownKey(), '203.0.113.78')).status).toBe(401);
  });

  it('the cached-read fast path steps aside for an address of a /64 that just failed auth', async () => {
    const reader = await issueApiKey(db.dataSource, 'reader-v6', 'pro');
    await db.dataSource.query(`INSERT INTO recommendations (tenant_id, user_id, body) VALUES ($1, $2, $3)`, [
      reader.tenant,
      'carol',
      JSON.stringify(
        computeRecommendations(
          'carol',
          [{ type: 'purchase', category: 'books', occurredAt: new Date() }],
          [],
        ),
      ),
    ]);
    const read = (from: string) => call('/v1/users/carol/recommendations', from, { 'x-api-key': reader.key });
    const fastPath = () => metric('http_cached_read_fast_path_total', 'result="answered"');
    expect((await read('2001:db8:f:1::1')).headers.get('x-cache')).toBe('MISS');
    const before = await fastPath();
    expect((await read('2001:db8:f:1::1')).headers.get('x-cache')).toBe('HIT-L1');
    expect(await fastPath()).toBe(before + 1);
    expect((await me(unknownKey(), '2001:db8:f:1::2')).status).toBe(401);
    // Same /64: the full pipeline answers (same body and headers), not the fast path.
    const full = await read('2001:db8:f:1::3');
    expect(full.status).toBe(200);
    expect(full.headers.get('x-cache')).toBe('HIT-L1');
    expect(await fastPath()).toBe(before + 1);
  });
});
