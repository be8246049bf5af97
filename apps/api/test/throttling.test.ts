import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  startInProcess,
  testEnv,
  TEST_ADMIN_TOKEN,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

const FREE_RATE_PER_MS = 100 / 60_000;

function me(api: RunningApp, key: string, headers: Record<string, string> = {}) {
  return fetch(`${api.baseUrl}/v1/me`, { headers: { 'x-api-key': key, ...headers } });
}

/** Fires `n` requests at once; returns the statuses and the time the burst took. */
async function burst(api: RunningApp, key: string, n: number) {
  const started = performance.now();
  const responses = await Promise.all(Array.from({ length: n }, () => me(api, key)));
  const finished = performance.now();
  await Promise.all(responses.map((r) => r.arrayBuffer()));
  return { responses, started, finished, admitted: responses.filter((r) => r.status === 200).length };
}

/** The next 429 for `key`: on a loaded machine a token or two may have refilled since the burst. */
async function nextLimited(api: RunningApp, key: string): Promise<Response> {
  for (let i = 0; i < 5; i += 1) {
    const res = await me(api, key);
    if (res.status === 429) return res;
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }
  throw new Error('never limited');
}

describe('token bucket per API key over real HTTP and Redis', () => {
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

  it('admits exactly the burst (150) at once, then 429 with Retry-After; refills at 100/min', async () => {
    const { key } = await issueApiKey(db.dataSource, 'burst', 'free');
    const t0 = performance.now();
    expect((await me(api, key)).status).toBe(200); // warms the key and tier caches
    const first = await burst(api, key, 180);
    // The bucket refills 1 token per 600 ms: exactly 150 when this takes less, else what time added.
    const refilled = Math.floor((first.finished - t0) * FREE_RATE_PER_MS);
    expect(1 + first.admitted).toBeGreaterThanOrEqual(150);
    expect(1 + first.admitted).toBeLessThanOrEqual(150 + refilled);

    const limited = await nextLimited(api, key);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('ratelimit-limit')).toBe('150');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('ratelimit-reset'))).toBeGreaterThan(80); // ~90 s to refill 150
    expect(await limited.json()).toMatchObject({ error: 'rate_limited', requestId: expect.any(String) });
    const drainedAt = performance.now();

    await sleep(4_500);
    const second = await burst(api, key, 20);
    const expected = (second.started - drainedAt) * FREE_RATE_PER_MS;
    const slack = (second.finished - second.started) * FREE_RATE_PER_MS;
    expect(Math.abs(second.admitted - expected)).toBeLessThanOrEqual(1 + slack);
  });

  it('every admitted response carries the RateLimit headers, counting down', async () => {
    const { key } = await issueApiKey(db.dataSource, 'headers', 'free');
    const a = await me(api, key);
    const b = await me(api, key);
    expect(a.status).toBe(200);
    expect(a.headers.get('ratelimit-limit')).toBe('150');
    expect(Number(a.headers.get('ratelimit-remaining'))).toBe(149);
    expect(Number(b.headers.get('ratelimit-remaining'))).toBe(148);
    expect(Number(a.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
  });

  it('keys are independent and tiers differ', async () => {
    const spent = await issueApiKey(db.dataSource, 'spent', 'free');
    const fresh = await issueApiKey(db.dataSource, 'fresh', 'free');
    const pro = await issueApiKey(db.dataSource, 'pro', 'pro');
    expect((await burst(api, spent.key, 160)).admitted).toBeLessThan(160);
    expect((await nextLimited(api, spent.key)).status).toBe(429);
    const other = await me(api, fresh.key);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe('149');
    const proRes = await me(api, pro.key);
    expect(proRes.headers.get('ratelimit-limit')).toBe('1500');
    expect((await burst(api, pro.key, 200)).admitted).toBe(200);
  });

  it('a busy key is served from leases: far fewer Redis calls than requests, limits unchanged', async () => {
    const leaseCalls = async () => {
      const text = await (await fetch(`${api.baseUrl}/metrics`)).text();
      return [...text.matchAll(/^ratelimit_lease_requests_total\{result="\w+"\} (\d+)/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    };
    const { key } = await issueApiKey(db.dataSource, 'busy', 'internal');
    expect((await me(api, key)).status).toBe(200);
    const before = await leaseCalls();
    let ok = 0;
    for (let round = 0; round < 20; round++) {
      const { admitted } = await burst(api, key, 25);
      ok += admitted;
    }
    expect(ok).toBe(500);
    const calls = (await leaseCalls()) - before;
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(100);
  });

  it('probes and /metrics are never throttled; metrics count decisions by tier', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 150 }, (_, i) => {
        const path = ['/health', '/readyz', '/metrics'][i % 3];
        return fetch(`${api.baseUrl}${path}`).then(async (r) => {
          const body = await r.text();
          return { path, status: r.status, headers: r.headers, body };
        });
      }),
    );
    // The failures with their bodies, so a failure says which check failed and why.
    expect(
      statuses.filter((r) => r.status !== 200).map(({ path, status, body }) => ({ path, status, body })),
    ).toEqual([]);
    expect(statuses.every((r) => r.headers.get('ratelimit-limit') === null)).toBe(true);
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/ratelimit_decisions_total\{tier="free",decision="allowed"\} \d+/);
    expect(metrics).toMatch(/ratelimit_decisions_total\{tier="free",decision="limited"\} [1-9]/);
    expect(metrics).toMatch(/circuit_breaker_state\{breaker="redis-throttle"\} 0/);
    const detailed = await fetch(`${api.baseUrl}/health/detailed`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(await detailed.json()).toMatchObject({
      details: {
        breakers: {
          status: 'up',
          breakers: expect.arrayContaining([
            expect.objectContaining({ name: 'redis-throttle', state: 'closed' }),
          ]),
        },
      },
    });
  });
});

describe('tier changes reach other instances within TIER_CACHE_TTL_MS', () => {
  let db: TestDatabase;
  let a: RunningApp;
  let b: RunningApp;
  const TTL = 1_000;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = testEnv({ DATABASE_URL: db.url, TIER_CACHE_TTL_MS: String(TTL) });
    a = await startInProcess('api', env);
    b = await startInProcess('api', env); // same Redis prefix: one cluster of two instances
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('PUT /v1/admin/tiers/:name on one instance changes the limits the other applies', async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const put = (burst: number) =>
      fetch(`${a.baseUrl}/v1/admin/tiers/trial`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({ ratePerMinute: 60, burst, defaultPriority: 'low', maxBatch: 5 }),
      });
    expect((await put(5)).status).toBe(200);
    const { key } = await issueApiKey(db.dataSource, 'trial', 'trial');
    const small = await burst(b, key, 10);
    expect(small.admitted).toBeGreaterThanOrEqual(5);
    expect(small.admitted).toBeLessThanOrEqual(5 + Math.floor((small.finished - small.started) / 1_000));
    expect((await nextLimited(b, key)).headers.get('ratelimit-limit')).toBe('5');

    expect((await put(50)).status).toBe(200);
    const changedAt = performance.now();
    let seenAfter = Infinity;
    while (performance.now() - changedAt < TTL + 3_000) {
      const res = await me(b, key);
      await res.arrayBuffer();
      if (res.headers.get('ratelimit-limit') === '50') {
        seenAfter = performance.now() - changedAt;
        break;
      }
      await sleep(50);
    }
    expect(seenAfter).toBeLessThanOrEqual(TTL + 500);
    // The larger bucket refills from where the small one was; it does not reset to full.
    expect((await burst(b, key, 60)).admitted).toBeLessThan(50);
  });
});

describe('client IP for the failed-auth bucket', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const badKey = (api: RunningApp, headers: Record<string, string>) =>
    me(api, 'pk_wrong-key-guess', headers).then(async (r) => {
      await r.arrayBuffer();
      return r;
    });

  it('with TRUST_PROXY off, rotating X-Forwarded-For does not escape; bad keys hit the auth bucket first', async () => {
    const api = await startInProcess('api', testEnv({ DATABASE_URL: db.url }));
    try {
      const { key } = await issueApiKey(db.dataSource, 'good', 'free');
      const statuses: number[] = [];
      for (let i = 0; i < 25; i += 1) {
        statuses.push((await badKey(api, { 'x-forwarded-for': `198.51.100.${i}` })).status);
      }
      // THROTTLE_AUTH_FAILURES_BURST = 20: 20 answers of 401, then 429 from the auth bucket.
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(statuses.slice(20)).toEqual(Array(5).fill(429));
      const blocked = await badKey(api, {});
      expect(blocked.headers.get('ratelimit-limit')).toBe('20');
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // A correct key from that address still works: clients behind one NAT address are not locked
      // out by another's guessing (malformed keys are counted without I/O; see CallerResolver).
      expect((await me(api, key)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('with TRUST_PROXY=1 the entry the proxy appended is the client, not what the client sent', async () => {
    const api = await startInProcess('api', testEnv({ DATABASE_URL: db.url, TRUST_PROXY: '1' }));
    try {
      const spoofed: number[] = [];
      for (let i = 0; i < 22; i += 1) {
        const xff = `10.9.9.${i}, 203.0.113.7`; // the client forged the first entry; the proxy added the last
        spoofed.push((await badKey(api, { 'x-forwarded-for': xff })).status);
      }
      expect(spoofed.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(spoofed.slice(20)).toEqual([429, 429]);
      // Distinct real clients behind the proxy each get their own bucket.
      const distinct: number[] = [];
      for (let i = 0; i < 25; i += 1) {
        distinct.push((await badKey(api, { 'x-forwarded-for': `203.0.113.${100 + i}` })).status);
      }
      expect(distinct).toEqual(Array(25).fill(401));
    } finally {
      await api.close();
    }
  });

  it('with TRUST_PROXY as a CIDR list, only the listed proxies are skipped', async () => {
    const api = await startInProcess('api', testEnv({ DATABASE_URL: db.url, TRUST_PROXY: '127.0.0.0/8' }));
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i += 1) {
        // 127.0.0.9 is a trusted proxy hop; 203.0.113.9 is the first untrusted address: the client.
        const xff = `10.1.1.${i}, 203.0.113.9, 127.0.0.9`;
        statuses.push((await badKey(api, { 'x-forwarded-for': xff })).status);
      }
      expect(statuses).toEqual([...Array(20).fill(401), 429]);
    } finally {
      await api.close();
    }
  });
});
