import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  freePort,
  startInProcess,
  testEnv,
  TEST_ADMIN_TOKEN,
  type TestDatabase,
} from '../../../test/support';

describe('liveness and readiness against real and unreachable dependencies', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('is ready when Postgres and Redis answer; /health/detailed needs the admin token', async () => {
    const api = await startInProcess('api', testEnv({ DATABASE_URL: db.url }));
    try {
      const ready = await fetch(`${api.baseUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ok',
        info: { postgres: { status: 'up' }, redis: { status: 'up' } },
      });
      expect((await fetch(`${api.baseUrl}/health/detailed`)).status).toBe(401);
      const detailed = await fetch(`${api.baseUrl}/health/detailed`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      expect(detailed.status).toBe(200);
      expect(await detailed.json()).toMatchObject({
        details: { postgres: { pool: { total: expect.any(Number) } } },
      });
    } finally {
      await api.close();
    }
  });

  it('reports 503 on /readyz when Redis is unreachable, while /health stays 200', async () => {
    const deadPort = await freePort();
    const api = await startInProcess(
      'api',
      testEnv({ DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${deadPort}` }),
    );
    try {
      expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200);
      const ready = await fetch(`${api.baseUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });
    } finally {
      await api.close();
    }
  });

  it('reports 503 on /readyz when Postgres is unreachable, while /health stays 200', async () => {
    const deadPort = await freePort();
    const api = await startInProcess(
      'api',
      testEnv({ DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPort}/nothing` }),
    );
    try {
      expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200);
      const ready = await fetch(`${api.baseUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ error: { postgres: { status: 'down' } } });
    } finally {
      await api.close();
    }
  });
});
