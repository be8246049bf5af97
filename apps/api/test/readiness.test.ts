import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  freePort,
  PrivateRedis,
  startInProcess,
  testEnv,
  TEST_ADMIN_TOKEN,
  waitFor,
  type RunningApp,
  type TestDatabase,
} from '../../../test/support';

const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

interface HealthBody {
  status: string;
  info?: Record<string, { status: string; [key: string]: unknown }>;
  error?: Record<string, { status: string }>;
  details: Record<string, { status: string; [key: string]: unknown }>;
}

async function health(app: RunningApp, path: '/readyz' | '/health/detailed') {
  const res = await fetch(`${app.baseUrl}${path}`, { headers: admin, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as HealthBody };
}

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

  it('stays ready when Redis is unreachable from boot, shown degraded; /health stays 200', async () => {
    const deadPort = await freePort();
    const api = await startInProcess(
      'api',
      testEnv({ DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${deadPort}` }),
    );
    try {
      expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200);
      const ready = await health(api, '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'degraded',
        info: { postgres: { status: 'up' }, redis: { status: 'degraded' } },
      });
      const detailed = await health(api, '/health/detailed');
      expect(detailed.status).toBe(200);
      expect(detailed.body).toMatchObject({ status: 'degraded', details: { redis: { status: 'degraded' } } });
    } finally {
      await api.close();
    }
  });

  it('stays ready while its Redis stops and comes back (a private redis-server)', async () => {
    const redis = await PrivateRedis.start();
    const api = await startInProcess('api', testEnv({ DATABASE_URL: db.url, REDIS_URL: redis.url }));
    try {
      expect(await health(api, '/readyz')).toMatchObject({
        status: 200,
        body: { status: 'ok', info: { redis: { status: 'up' } } },
      });
      await redis.stop();
      // Every readiness answer during the outage is 200; the outage shows as degraded.
      const during: number[] = [];
      await waitFor(async () => {
        const ready = await health(api, '/readyz');
        during.push(ready.status);
        return ready.body.info?.redis?.status === 'degraded';
      }, 'readiness to show Redis degraded');
      expect(
        during.every((status) => status === 200),
        `statuses ${during.join(',')}`,
      ).toBe(true);
      const detailed = await health(api, '/health/detailed');
      expect(detailed.status).toBe(200);
      expect(detailed.body.status).toBe('degraded');
      expect(detailed.body.details).toMatchObject({
        redis: { status: 'degraded' },
        redisTopology: { status: 'degraded' },
        queues: { status: 'degraded' },
      });

      await redis.resume();
      await waitFor(
        async () => (await health(api, '/readyz')).body.info?.redis?.status === 'up',
        'Redis up again',
        20_000,
      );
    } finally {
      await api.close();
      await redis.destroy();
    }
  });

  it('stays ready with every pooled connection busy and callers waiting', async () => {
    const api = await startInProcess(
      'api',
      testEnv({ DATABASE_URL: db.url, DB_POOL_SIZE: '2', DB_ACQUIRE_TIMEOUT_MS: '5000' }),
    );
    try {
      expect((await health(api, '/readyz')).status).toBe(200);
      const pool = api.app.get(DataSource);
      // Two statements hold both connections; a third waits for one.
      const busy = Promise.allSettled([1, 2, 3].map(() => pool.query('SELECT pg_sleep(3)')));
      const master = (pool.driver as unknown as { master: { waitingCount: number } }).master;
      await waitFor(async () => master.waitingCount > 0, 'a caller waiting for a pooled connection');
      const started = Date.now();
      const ready = await health(api, '/readyz');
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(ready.status).toBe(200);
      expect(ready.body.info?.postgres).toMatchObject({ status: 'up', pool: { total: 2, idle: 0 } });
      await busy;
    } finally {
      await api.close();
    }
  });

  it('reports 503 on /readyz when the Postgres primary is unreachable, while /health stays 200', async () => {
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
