import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  spawnApp,
  testEnv,
  TEST_ADMIN_TOKEN,
  waitFor,
  type SpawnedApp,
  type TestDatabase,
} from '../support';

interface Delivery {
  path: string;
  userId: string;
  recommended: string[];
  explore: string[];
}

interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- many shapes, checked field by field
  body: any;
  headers: Headers;
}

/** What a cross-tenant request could see, for the record printed at the end. */
const seen: Array<{ request: string; status: number; saw: string }> = [];

/**
 * Two tenants with the same user ids, through the real API and worker: what one tenant's keys write
 * never shows in the other's reads, caches or webhooks; the other's users are simply not found.
 * Revoked keys' subscriptions and suspended tenants' keys and deliveries stop.
 */
describe('tenants', () => {
  let db: TestDatabase;
  let api: SpawnedApp;
  let worker: SpawnedApp;
  let receiver: Server;
  let receiverBase: string;
  const deliveries: Delivery[] = [];
  /** Receiver paths that answer 500 (so their deliveries stay queued and retried). */
  const failing = new Set<string>();
  const attempts = new Map<string, number>();
  let tenantA: string;
  let tenantB: string;
  let a1: string;
  let a2: string;
  let a3: { id: string; key: string; tenant: string };
  let b1: string;

  const call = async (key: string, method: string, path: string, body?: unknown): Promise<Reply> => {
    const res = await fetch(`${api.baseUrl}${path}`, {
      method,
      headers: {
        ...(key === 'admin' ? { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } : { 'x-api-key': key }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const admin = (method: string, path: string, body?: unknown) => call('admin', method, path, body);
  const recs = (key: string, userId: string) => call(key, 'GET', `/v1/users/${userId}/recommendations`);

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const path = req.url ?? '';
        attempts.set(path, (attempts.get(path) ?? 0) + 1);
        if (failing.has(path)) {
          res.statusCode = 500;
          return res.end();
        }
        const { data } = JSON.parse(body) as {
          data: {
            userId: string;
            recommendations: { recommended_categories: string[]; explore_categories: string[] };
          };
        };
        const r = data.recommendations;
        deliveries.push({
          path,
          userId: data.userId,
          recommended: r.recommended_categories,
          explore: r.explore_categories,
        });
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const address = receiver.address();
    receiverBase = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const env = testEnv({
      DATABASE_URL: db.url,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      QUEUE_OVERRIDES: JSON.stringify({ webhooks: { backoffDelayMs: 100, attempts: 50 } }),
      CIRCUIT_BREAKERS: JSON.stringify({
        [`webhook:${new URL(receiverBase).host}`]: { volumeThreshold: 1_000 },
      }),
    });
    [api, worker] = await Promise.all([spawnApp('api', env), spawnApp('worker', env)]);

    const created = await admin('POST', '/v1/admin/tenants', { name: 'acme' });
    expect(created.status).toBe(201);
    tenantA = created.body.id;
    const issue = async (name: string, tenant?: string) => {
      const res = await admin('POST', '/v1/admin/api-keys', { name, tier: 'pro', tenant });
      expect(res.status).toBe(201);
      return res.body as { id: string; key: string; tenant: string };
    };
    const k1 = await issue('a1', tenantA);
    const k2 = await issue('a2', tenantA);
    a3 = await issue('a3', tenantA);
    const kb = await issue('b1');
    expect([k1.tenant, k2.tenant, a3.tenant]).toEqual([tenantA, tenantA, tenantA]);
    tenantB = kb.tenant;
    expect(tenantB).not.toBe(tenantA);
    [a1, a2, b1] = [k1.key, k2.key, kb.key];
  }, 120_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
    await db?.drop();
    if (seen.length > 0) {
      console.log(
        'cross-tenant requests:\n' + seen.map((s) => `  ${s.request} → ${s.status}: ${s.saw}`).join('\n'),
      );
    }
  });

  it('shows each key its tenant', async () => {
    const [m1, m2, mb] = await Promise.all([a1, a2, b1].map((k) => call(k, 'GET', '/v1/me')));
    expect(m1.body.tenant).toEqual({ id: tenantA, name: 'acme' });
    expect(m2.body.tenant.id).toBe(tenantA);
    expect(mb.body.tenant).toEqual({ id: tenantB, name: 'b1' });
  });

  it('keeps the same user ids apart: events, recommendations, popular categories, cache, batch, seed API', async () => {
    for (const sub of [
      [a1, '/hooks/A'],
      [b1, '/hooks/B'],
    ] as const) {
      const res = await call(sub[0], 'POST', '/v1/webhooks', {
        url: receiverBase + sub[1],
        events: ['recommendations.updated'],
      });
      expect(res.status).toBe(201);
    }
    const a = await call(a1, 'POST', '/v1/events', {
      events: [
        { userId: 'alice', type: 'purchase', category: 'books' },
        { userId: 'anna', type: 'search', category: 'garden' },
      ],
    });
    // B floods a category of its own: it must never reach A's explore categories.
    const b = await call(b1, 'POST', '/v1/events', {
      events: [
        { userId: 'alice', type: 'purchase', category: 'music' },
        ...Array.from({ length: 20 }, (_, i) => ({
          userId: `bot-${i}`,
          type: 'search' as const,
          category: 'b-spam',
        })),
      ],
    });
    expect([a.status, b.status]).toEqual([202, 202]);

    const aliceA = await waitFor(
      async () => (await recs(a1, 'alice')).status === 200 && recs(a1, 'alice'),
      'A alice',
      20_000,
    );
    const aliceB = await waitFor(
      async () => (await recs(b1, 'alice')).status === 200 && recs(b1, 'alice'),
      'B alice',
      20_000,
    );
    expect(aliceA.body.recommended_categories).toEqual(['books']);
    expect(aliceB.body.recommended_categories).toEqual(['music']);
    await waitFor(async () => (await recs(a1, 'anna')).status === 200, 'A anna', 20_000);
    // A recompute after B's flood still explores only A's categories.
    await call(a1, 'POST', '/v1/events', { events: [{ userId: 'alice', type: 'search', category: 'toys' }] });
    const recomputed = await waitFor(
      async () => {
        const r = await recs(a1, 'alice');
        return r.body?.recommended_categories?.includes('toys') && r;
      },
      'A alice recomputed',
      20_000,
    );
    expect(recomputed.body.explore_categories).not.toContain('b-spam');
    expect(recomputed.body.explore_categories).not.toContain('music');

    // Another tenant's user is not found, exactly as a user nobody has.
    const crossOne = await recs(b1, 'anna');
    const nobody = await recs(b1, 'nobody-at-all');
    expect(crossOne.status).toBe(404);
    expect({ ...crossOne.body, requestId: undefined, message: undefined }).toEqual({
      ...nobody.body,
      requestId: undefined,
      message: undefined,
    });
    seen.push({
      request: "B GET /v1/users/anna/recommendations (anna is A's)",
      status: 404,
      saw: crossOne.body.error,
    });
    const batch = await call(b1, 'GET', '/v1/recommendations?user_ids=anna,alice');
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(['not_found', 'ok']);
    expect(batch.body.results[1].recommendations.recommended_categories).toEqual(['music']);
    seen.push({
      request: 'B GET /v1/recommendations?user_ids=anna,alice',
      status: batch.status,
      saw: "anna not_found; B's own alice",
    });
    const seed = await call(b1, 'GET', '/recommend/anna');
    expect(seed.status).toBe(200);
    expect(seed.body).toEqual({
      user_id: 'anna',
      message: 'No data found for this user',
      recommendations: [],
    });
    seen.push({
      request: 'B GET /recommend/anna (seed API)',
      status: seed.status,
      saw: `"${seed.body.message}"`,
    });
    const sameTenant = await recs(a2, 'anna');
    expect(sameTenant.status).toBe(200);
    seen.push({
      request: 'A2 GET /v1/users/anna/recommendations (same tenant)',
      status: 200,
      saw: "anna's recommendations",
    });
  });

  it("caches per tenant: a hit is never another tenant's copy, and invalidation by one leaves the other alone", async () => {
    await recs(a1, 'alice');
    const hitA = await recs(a2, 'alice');
    expect(hitA.headers.get('x-cache')).toBe('HIT-L1');
    expect(hitA.headers.get('cache-control')).toBe('private, no-cache');
    const b = await recs(b1, 'alice');
    await recs(b1, 'alice');
    expect(b.body.recommended_categories).toEqual(['music']);

    expect((await call(b1, 'POST', '/v1/users/alice/recommendations/invalidate')).status).toBe(204);
    const afterA = await recs(a1, 'alice');
    const afterB = await recs(b1, 'alice');
    expect(afterA.headers.get('x-cache')).toBe('HIT-L1');
    expect(afterB.headers.get('x-cache')).toBe('MISS');
    seen.push({
      request: 'B POST /v1/users/alice/recommendations/invalidate',
      status: 204,
      saw: "only B's copy dropped (A: HIT-L1 after)",
    });
  });

  it("delivers each tenant's webhooks only its own users", async () => {
    await waitFor(
      async () => deliveries.some((d) => d.path === '/hooks/A' && d.userId === 'anna'),
      'A delivery for anna',
      20_000,
    );
    await waitFor(async () => deliveries.some((d) => d.path === '/hooks/B'), 'B deliveries', 20_000);
    for (const d of deliveries.filter((x) => x.path === '/hooks/B')) {
      expect(d.userId === 'alice' || d.userId.startsWith('bot-'), d.userId).toBe(true);
      expect(d.recommended).not.toContain('books');
    }
    for (const d of deliveries.filter((x) => x.path === '/hooks/A')) {
      expect(['alice', 'anna']).toContain(d.userId);
      expect([...d.recommended, ...d.explore]).not.toContain('b-spam');
    }
  });

  it("lets a tenant's keys share its subscriptions and jobs, and hides them from other tenants", async () => {
    const listA2 = await call(a2, 'GET', '/v1/webhooks');
    expect(listA2.body.map((s: { url: string }) => s.url)).toEqual([`${receiverBase}/hooks/A`]);
    const listB = await call(b1, 'GET', '/v1/webhooks');
    expect(listB.body.map((s: { url: string }) => s.url)).toEqual([`${receiverBase}/hooks/B`]);
    const idA = listA2.body[0].id as string;
    const rotate = await call(b1, 'POST', `/v1/webhooks/${idA}/rotate-secret`);
    const remove = await call(b1, 'DELETE', `/v1/webhooks/${idA}`);
    expect([rotate.status, remove.status]).toEqual([404, 404]);
    seen.push({
      request: "B POST /v1/webhooks/<A's id>/rotate-secret",
      status: rotate.status,
      saw: rotate.body.error,
    });
    seen.push({ request: "B DELETE /v1/webhooks/<A's id>", status: remove.status, saw: remove.body.error });

    const posted = await call(a1, 'POST', '/v1/events', {
      events: [{ userId: 'amy', type: 'search', category: 'books' }],
    });
    const jobId = posted.body.jobIds[0] as string;
    expect((await call(a2, 'GET', `/v1/jobs/${jobId}`)).status).toBe(200);
    const crossJob = await call(b1, 'GET', `/v1/jobs/${jobId}`);
    expect(crossJob.status).toBe(404);
    seen.push({ request: "B GET /v1/jobs/<A's job>", status: crossJob.status, saw: crossJob.body.error });
  });

  it("disables a revoked key's subscriptions: listed as disabled, queued deliveries dropped", async () => {
    failing.add('/hooks/A3');
    const sub = await call(a3.key, 'POST', '/v1/webhooks', {
      url: `${receiverBase}/hooks/A3`,
      events: ['recommendations.updated'],
    });
    expect(sub.status).toBe(201);
    await call(a1, 'POST', '/v1/events', { events: [{ userId: 'ada', type: 'search', category: 'books' }] });
    // The delivery to A3 fails and is retried: it is queued when the key is revoked.
    await waitFor(async () => (attempts.get('/hooks/A3') ?? 0) >= 2, 'A3 retries', 20_000);
    expect((await admin('DELETE', `/v1/admin/api-keys/${a3.id}`)).status).toBe(204);
    const listed = await call(a1, 'GET', '/v1/webhooks');
    const a3Sub = listed.body.find((s: { id: string }) => s.id === sub.body.id);
    expect(a3Sub).toMatchObject({ status: 'disabled', createdBy: a3.id });
    await new Promise((r) => setTimeout(r, 500));
    const afterRevoke = attempts.get('/hooks/A3');
    failing.delete('/hooks/A3');
    await call(a1, 'POST', '/v1/events', {
      events: [{ userId: 'ada', type: 'purchase', category: 'garden' }],
    });
    await waitFor(
      async () => deliveries.some((d) => d.path === '/hooks/A' && d.recommended.includes('garden')),
      "A's own delivery",
      20_000,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(attempts.get('/hooks/A3')).toBe(afterRevoke);
    expect(deliveries.filter((d) => d.path === '/hooks/A3')).toEqual([]);
  });

  it('suspends a tenant: its keys get 403 on every route (cached reads too) and its deliveries stop', async () => {
    await recs(b1, 'alice');
    expect((await recs(b1, 'alice')).headers.get('x-cache')).toBe('HIT-L1');
    failing.add('/hooks/B');
    await call(b1, 'POST', '/v1/events', { events: [{ userId: 'bea', type: 'search', category: 'music' }] });
    await waitFor(
      async () =>
        (attempts.get('/hooks/B') ?? 0) >= deliveries.filter((d) => d.path === '/hooks/B').length + 2,
      'B retries',
      20_000,
    );

    const suspended = await admin('POST', `/v1/admin/tenants/${tenantB}/suspend`);
    expect(suspended.body).toMatchObject({ id: tenantB, status: 'suspended' });
    const cachedRead = await recs(b1, 'alice');
    const me = await call(b1, 'GET', '/v1/me');
    const write = await call(b1, 'POST', '/v1/events', {
      events: [{ userId: 'bea', type: 'search', category: 'x' }],
    });
    for (const res of [cachedRead, me, write]) {
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('tenant_suspended');
    }
    seen.push({
      request: 'suspended B GET /v1/users/alice/recommendations (was HIT-L1)',
      status: cachedRead.status,
      saw: cachedRead.body.error,
    });
    // A is not affected.
    expect((await recs(a1, 'alice')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const afterSuspend = attempts.get('/hooks/B');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(attempts.get('/hooks/B')).toBe(afterSuspend);

    failing.delete('/hooks/B');
    expect((await admin('POST', `/v1/admin/tenants/${tenantB}/resume`)).body.status).toBe('active');
    expect((await call(b1, 'GET', '/v1/me')).status).toBe(200);
  });

  it('gives admins the tenants, their keys, and clear errors', async () => {
    const page = await admin('GET', '/v1/admin/tenants?limit=1');
    expect(page.body.tenants).toHaveLength(1);
    const next = await admin('GET', `/v1/admin/tenants?limit=100&after=${page.body.next}`);
    const ids = [page.body.tenants[0].id, ...next.body.tenants.map((t: { id: string }) => t.id)];
    expect(ids).toEqual(expect.arrayContaining([tenantA, tenantB]));
    expect(new Set(ids).size).toBe(ids.length);
    expect((await admin('GET', `/v1/admin/tenants/${tenantA}`)).body).toMatchObject({
      name: 'acme',
      status: 'active',
    });
    const keys = await admin('GET', `/v1/admin/tenants/${tenantA}/api-keys`);
    expect(
      keys.body.apiKeys.map((k: { name: string; revokedAt: string | null }) => [
        k.name,
        k.revokedAt !== null,
      ]),
    ).toEqual([
      ['a1', false],
      ['a2', false],
      ['a3', true],
    ]);
    expect(JSON.stringify(keys.body)).not.toContain(a1);

    const unknown = '00000000-0000-4000-8000-00000000abcd';
    expect((await admin('GET', `/v1/admin/tenants/${unknown}`)).status).toBe(404);
    expect((await admin('POST', `/v1/admin/tenants/${unknown}/suspend`)).status).toBe(404);
    const badTenant = await admin('POST', '/v1/admin/api-keys', { name: 'x', tier: 'free', tenant: unknown });
    expect(badTenant.status).toBe(400);
    expect(badTenant.body.fields).toEqual([{ field: 'body.tenant', message: 'no such tenant' }]);
    expect((await admin('GET', '/v1/admin/tenants/not-a-uuid')).status).toBe(400);
    expect((await admin('POST', '/v1/admin/tenants', { name: '' })).status).toBe(400);
    // Metrics stay bounded: no tenant id (nor key id) as a label value.
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toContain('http_server_request_duration_seconds');
    for (const id of [tenantA, tenantB, a3.id]) expect(metrics).not.toContain(id);
    // An API key is not an admin credential.
    expect((await call(a1, 'GET', '/v1/admin/tenants')).status).toBe(401);
  });
});
