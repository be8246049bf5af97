import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  spawnApp,
  testEnv,
  TEST_ADMIN_TOKEN,
  type TestDatabase,
} from '../../../test/support';

describe('the built API process: boot validation and graceful shutdown', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('refuses to boot with a bad environment, naming every bad variable', async () => {
    const app = await spawnApp(
      'api',
      testEnv({ DATABASE_URL: 'nope', DB_POOL_SIZE: '-3', LOG_LEVEL: 'loud', REDIS_URL: 'http://x' }),
      { waitForHealth: false },
    );
    expect(await app.exited).toBe(1);
    for (const name of ['DATABASE_URL', 'DB_POOL_SIZE', 'LOG_LEVEL', 'REDIS_URL'])
      expect(app.output()).toContain(name);
  });

  it('on SIGTERM lets an in-flight request finish, fails readiness, and exits 0', async () => {
    const app = await spawnApp('api', testEnv({ DATABASE_URL: db.url, SHUTDOWN_DRAIN_DELAY_MS: '300' }));
    const url = new URL('/v1/admin/api-keys', app.baseUrl);
    const body = JSON.stringify({ name: 'slow-client', tier: 'free' });

    // A request whose body arrives slowly: it is in flight when the signal lands.
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        app.proc.kill('SIGTERM');
        setTimeout(() => {
          // During the drain delay the process still answers, but readiness says "take me out".
          void fetch(`${app.baseUrl}/readyz`)
            .then((ready) => readiness.push(ready.status))
            .catch(() => readiness.push(0))
            .finally(() => req.end(body.slice(10)));
        }, 100);
      }, 200);
    });
    const readiness: number[] = [];

    const result = await response;
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({ name: 'slow-client' });
    expect(readiness).toEqual([503]);
    expect(await app.exited).toBe(0);
    const rows = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM api_keys WHERE name = 'slow-client'`,
    );
    expect(rows[0].n).toBe(1);
  });

  it('runs API_PROCESSES servers on one port, reports metrics for all of them, and stops cleanly', async () => {
    const app = await spawnApp('api', testEnv({ DATABASE_URL: db.url, API_PROCESSES: '2' }));
    const healthCount = async () => {
      const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
      const match =
        /http_server_request_duration_seconds_count\{method="GET",route="\/health",status_code="200"\} (\d+)/.exec(
          text,
        );
      return Number(match?.[1] ?? 0);
    };
    const before = await healthCount();
    const requests = 20;
    for (let i = 0; i < requests; i += 1) expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
    // Whichever process answers the scrape, the count covers every process's requests.
    for (let i = 0; i < 4; i += 1) expect((await healthCount()) - before).toBe(requests);
    expect(await app.stop('SIGTERM')).toBe(0);
  });
});
