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

describe('API key and admin auth (real Postgres, Redis, HTTP)', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let goodKey: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startInProcess('api', testEnv({ DATABASE_URL: db.url }));
    goodKey = (await issueApiKey(db.dataSource, 'test', 'free')).key;
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const me = (headers: Record<string, string> = {}) => fetch(`${api.baseUrl}/v1/me`, { headers });

  it('refuses a request without a key with 401 and the JSON error body', async () => {
    const res = await me();
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body).toMatchObject({
      error: 'unauthorized',
      message: expect.any(String),
      requestId: expect.any(String),
    });
  });

  it('refuses a wrong key', async () => {
    expect((await me({ 'x-api-key': 'pk_not-a-real-key' })).status).toBe(401);
    expect((await me({ authorization: 'Bearer pk_not-a-real-key' })).status).toBe(401);
  });

  it('accepts a good key as Bearer or x-api-key and reports its tier', async () => {
    const viaHeader = await me({ 'x-api-key': goodKey });
    expect(viaHeader.status).toBe(200);
    expect(await viaHeader.json()).toMatchObject({
      name: 'test',
      tier: { name: 'free', ratePerMinute: 100, burst: 150 },
    });
    expect((await me({ authorization: `Bearer ${goodKey}` })).status).toBe(200);
  });

  it('admin routes refuse callers without the admin token, or with an API key instead', async () => {
    const body = JSON.stringify({ name: 'x', tier: 'free' });
    const headers = { 'content-type': 'application/json' };
    expect((await fetch(`${api.baseUrl}/v1/admin/api-keys`, { method: 'POST', headers, body })).status).toBe(
      401,
    );
    const withKey = await fetch(`${api.baseUrl}/v1/admin/api-keys`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${goodKey}` },
      body,
    });
    expect(withKey.status).toBe(401);
    expect((await fetch(`${api.baseUrl}/v1/admin/tiers/free`)).status).toBe(401);
    expect((await fetch(`${api.baseUrl}/health/detailed`)).status).toBe(401);
  });

  it('creates a key shown once, which works until it is revoked', async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${api.baseUrl}/v1/admin/api-keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'partner', tier: 'pro' }),
    });
    expect(created.status).toBe(201);
    const { id, key, tier } = (await created.json()) as { id: string; key: string; tier: string };
    expect(tier).toBe('pro');
    expect(key).toMatch(/^pk_/);
    const stored = await db.dataSource.query('SELECT key_hash FROM api_keys WHERE id = $1', [id]);
    expect(stored[0].key_hash).not.toContain(key);

    expect((await me({ 'x-api-key': key })).status).toBe(200);
    const revoked = await fetch(`${api.baseUrl}/v1/admin/api-keys/${id}`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(revoked.status).toBe(204);
    expect((await me({ 'x-api-key': key })).status).toBe(401);
    const again = await fetch(`${api.baseUrl}/v1/admin/api-keys/${id}`, { method: 'DELETE', headers: admin });
    expect(again.status).toBe(404);
  });

  it('refuses an unknown tier and invalid bodies without writing anything', async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const before = await db.dataSource.query('SELECT count(*)::int AS n FROM api_keys');
    for (const body of [
      { name: 'x', tier: 'gold' },
      { name: '', tier: 'free' },
      { name: 'x', tier: 'free', extra: 1 },
      {},
    ]) {
      const res = await fetch(`${api.baseUrl}/v1/admin/api-keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      const error = (await res.json()) as { error: string; fields: unknown[] };
      expect(error.error).toBe('validation_failed');
      expect(error.fields.length).toBeGreaterThan(0);
    }
    const after = await db.dataSource.query('SELECT count(*)::int AS n FROM api_keys');
    expect(after[0].n).toBe(before[0].n);
  });

  it('reads and replaces tier limits', async () => {
    const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const got = await fetch(`${api.baseUrl}/v1/admin/tiers/free`, { headers: admin });
    expect(await got.json()).toMatchObject({ name: 'free', ratePerMinute: 100, burst: 150 });
    const limits = { ratePerMinute: 10, burst: 20, defaultPriority: 'low', maxBatch: 5 };
    const put = await fetch(`${api.baseUrl}/v1/admin/tiers/trial`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify(limits),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ name: 'trial', ...limits });
    const bad = await fetch(`${api.baseUrl}/v1/admin/tiers/trial`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ ...limits, burst: -1, defaultPriority: 'urgent' }),
    });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { fields: Array<{ field: string }> }).fields.map((f) => f.field).sort(),
    ).toEqual(['body.burst', 'body.defaultPriority']);
    expect((await fetch(`${api.baseUrl}/v1/admin/tiers/nope`, { headers: admin })).status).toBe(404);
  });
});
