import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { issueApiKey, runAs, Tier } from '@platform/database';
import {
  createTestDatabase,
  PgStandby,
  REPLICA_TEST_IMPORTS,
  ReplicaTestController,
  startApiWithControllers,
  testEnv,
  TEST_ADMIN_TOKEN,
  type RunningApp,
  type TestDatabase,
  waitFor,
} from '../../../test/support';

/** Against the real primary and a real streaming standby (scripts/pg-replica.sh) delayed by 500 ms. */
describe('replica routing', () => {
  let db: TestDatabase;
  let standby: PgStandby;
  let dbName: string;
  let replicaUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dbName = new URL(db.url).pathname.slice(1);
    standby = await PgStandby.create({ delayMs: 500 });
    await standby.waitForDatabase(dbName);
    // A password in the URL (trust auth ignores it) must never show in labels, logs or health output.
    replicaUrl = `postgres://postgres:Sup3rSecretPw@127.0.0.1:${standby.port}/${dbName}`;
  });
  afterAll(async () => {
    await standby?.remove();
    await db?.drop();
  });

  async function startApi(overrides: Record<string, string> = {}): Promise<RunningApp> {
    const api = await startApiWithControllers(
      testEnv({
        DATABASE_URL: db.url,
        DATABASE_REPLICA_URLS: replicaUrl,
        REPLICA_CHECK_INTERVAL_MS: '200',
        ...overrides,
      }),
      [ReplicaTestController],
      REPLICA_TEST_IMPORTS,
    );
    await waitFor(
      async () => (await health(api)).replicas[0]?.inRotation === true,
      'replica in rotation',
      15_000,
    );
    return api;
  }

  describe('with the default pool', () => {
    let api: RunningApp;
    let writer: string;
    let reader: string;

    beforeAll(async () => {
      api = await startApi();
      writer = (await issueApiKey(db.dataSource, 'writer', 'internal')).key;
      reader = (await issueApiKey(db.dataSource, 'reader', 'internal')).key;
    });
    afterAll(async () => {
      await api?.close();
    });

    it('a caller reads its own writes at once (0 stale of 200) while other callers keep reading the replica', async () => {
      let writerDone = false;
      const otherReads: Array<{ replica: boolean; port: number }> = [];
      const other = (async () => {
        while (!writerDone) otherReads.push(await getJson(api, '/v1/replica-test/tiers/free', reader));
      })();

      let stale = 0;
      const writerReadsOn: boolean[] = [];
      for (let i = 0; i < 200; i++) {
        const name = `rw-${i}-${Date.now()}`;
        const created = await call(api, 'POST', `/v1/replica-test/tiers/${name}`, writer);
        expect(created.status).toBe(201);
        const read = await getJson(api, `/v1/replica-test/tiers/${name}`, writer);
        if (read.found !== 1) stale++;
        writerReadsOn.push(read.replica);
      }
      writerDone = true;
      await other;

      expect(stale).toBe(0);
      // With 500 ms of replay delay the writer's reads cannot be served by the replica...
      expect(writerReadsOn.filter(Boolean).length).toBeLessThan(10);
      // ...while the caller that did not write keeps reading from it.
      expect(otherReads.length).toBeGreaterThan(50);
      const onReplica = otherReads.filter((r) => r.replica).length;
      expect(onReplica / otherReads.length).toBeGreaterThanOrEqual(0.9);
      expect(otherReads.every((r) => r.replica === false || r.port === standby.port)).toBe(true);
      console.info(
        `read-your-writes: 200 write+read pairs, ${stale} stale, writer reads on replica ${writerReadsOn.filter(Boolean).length}; ` +
          `other caller ${onReplica}/${otherReads.length} reads on the replica`,
      );
      // Replicas were behind for the writer: counted as such.
      expect(
        metric(await metrics(api), 'db_reads_on_primary_total', { reason: 'replicas_behind' }),
      ).toBeGreaterThanOrEqual(190);
    });

    it('gives worker-style code the same guarantee with runAs, across separate contexts', async () => {
      const tiers = api.app.get<DataSource>(getDataSourceToken()).getRepository(Tier);
      let stale = 0;
      for (let i = 0; i < 30; i++) {
        const name = `job-${i}-${Date.now()}`;
        // Two separate runs (like two jobs) share only the caller key: the mark travels through Redis.
        await runAs('job-owner:42', () =>
          tiers.insert({ name, ratePerMinute: 1, burst: 1, defaultPriority: 'low', maxBatch: 1 }),
        );
        const row = await runAs('job-owner:42', () => tiers.findOneBy({ name }));
        if (!row) stale++;
      }
      expect(stale).toBe(0);
    });

    it('an admin request that writes then reads back (no API-key caller) reads from the primary', async () => {
      for (let i = 0; i < 10; i++) {
        const name = `admin-${i}-${Date.now()}`;
        const response = await fetch(`${api.baseUrl}/v1/admin/tiers/${name}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ratePerMinute: 70 + i, burst: 5, defaultPriority: 'low', maxBatch: 3 }),
        });
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ name, ratePerMinute: 70 + i });
      }
    });

    it('serves at least 90 % of plain repository reads from a healthy replica', async () => {
      const before = await metrics(api);
      for (let i = 0; i < 200; i++)
        expect((await getJson(api, '/v1/replica-test/find/free', reader)).found).toBe(1);
      const after = await metrics(api);
      const replicaTarget = `127.0.0.1:${standby.port}/${dbName}`;
      const onReplica = delta(before, after, 'db_queries_total', { target: replicaTarget });
      const onPrimary = delta(before, after, 'db_queries_total', { target: 'primary' });
      expect(onReplica).toBeGreaterThanOrEqual(180);
      expect(onReplica / (onReplica + onPrimary)).toBeGreaterThanOrEqual(0.9);
      console.info(`plain reads: ${onReplica} statements on the replica, ${onPrimary} on the primary`);
    });

    it('runs transactions and query() on the primary and releases every query runner', async () => {
      const results = await Promise.all(
        Array.from({ length: 40 }, () => call(api, 'POST', '/v1/replica-test/transaction', reader)),
      );
      for (const r of results) {
        expect(r.status).toBe(200);
        expect(await r.json()).toMatchObject({ replica: false, port: 5432, tiers: expect.any(Number) });
      }
      expect(await getJson(api, '/v1/replica-test/raw', reader)).toMatchObject({
        replica: false,
        port: 5432,
      });

      const detail = await health(api);
      expect(detail.primary.pool).toMatchObject({ waiting: 0 });
      expect(detail.primary.pool.idle).toBe(detail.primary.pool.total);
      expect(detail.replicas[0].pool).toMatchObject({ waiting: 0 });
      expect(detail.replicas[0].pool.idle).toBe(detail.replicas[0].pool.total);
    });

    it('reports pools, lag and rotation in /health/detailed and /metrics without credentials', async () => {
      const response = await fetch(`${api.baseUrl}/health/detailed`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      const text = await response.text();
      expect(text).not.toContain('Sup3rSecretPw');
      const detail = (JSON.parse(text) as { details: { database: Detail } }).details.database;
      expect(detail.replicas[0]).toMatchObject({
        name: `127.0.0.1:${standby.port}/${dbName}`,
        inRotation: true,
        reachable: true,
        lagMs: expect.any(Number),
      });
      const page = await metrics(api);
      expect(page).not.toContain('Sup3rSecretPw');
      expect(page).toMatch(
        new RegExp(`db_pool_connections\\{host="127.0.0.1:${standby.port}/${dbName}",state="idle"\\} \\d+`),
      );
      expect(page).toMatch(/db_pool_connections\{host="127.0.0.1:5432\/[^"]+",state="total"\} \d+/);
      expect(page).toMatch(
        new RegExp(`db_replica_lag_seconds\\{replica="127.0.0.1:${standby.port}/${dbName}"\\}`),
      );
      expect(api.logs.join('\n')).not.toContain('Sup3rSecretPw');
      // Losing a replica is not a readiness matter.
      expect((await fetch(`${api.baseUrl}/readyz`)).status).toBe(200);
    });
  });

  it('answers 503 database_busy within the acquire timeout when the pool is exhausted, then serves normally', async () => {
    const api = await startApi({ DB_POOL_SIZE: '2', DB_ACQUIRE_TIMEOUT_MS: '1000' });
    try {
      const key = (await issueApiKey(db.dataSource, 'busy', 'internal')).key;
      await getJson(api, '/v1/replica-test/find/free', key); // warm the key cache
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const response = await call(api, 'GET', '/v1/replica-test/slow?seconds=3', key);
          return { status: response.status, body: await response.json(), ms: Date.now() - started };
        }),
      );
      const ok = results.filter((r) => r.status === 200);
      const busy = results.filter((r) => r.status === 503);
      expect(ok.length).toBe(2);
      expect(busy.length).toBe(48);
      for (const r of busy) {
        expect(r.body).toMatchObject({ error: 'database_busy' });
        // 1 s acquire timeout; generous margin for a loaded 2-core machine, far below the 3 s queries.
        expect(r.ms).toBeLessThan(2_500);
      }
      expect(ok.every((r) => (r.body as { replica: boolean }).replica)).toBe(true);
      const busyMs = busy.map((r) => r.ms).sort((a, b) => a - b);
      console.info(
        `pool of 2, 50 slow reads: 2 served, 48 x 503 database_busy after ${busyMs[0]}-${busyMs[busyMs.length - 1]} ms (acquire timeout 1000 ms)`,
      );

      const after = await call(api, 'GET', '/v1/replica-test/find/free', key);
      expect(after.status).toBe(200);
      const pools = (await health(api)).replicas[0].pool;
      expect(pools.waiting).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('answers 503 query_timeout past the statement timeout and logs slow queries with duration and target', async () => {
    const api = await startApi({ DB_STATEMENT_TIMEOUT_MS: '400', DB_SLOW_QUERY_MS: '100' });
    try {
      const key = (await issueApiKey(db.dataSource, 'timeout', 'internal')).key;
      const timedOut = await call(api, 'GET', '/v1/replica-test/slow?seconds=2', key);
      expect(timedOut.status).toBe(503);
      expect(await timedOut.json()).toMatchObject({ error: 'query_timeout' });
      expect(timedOut.headers.get('retry-after')).toBe('1');

      expect((await call(api, 'GET', '/v1/replica-test/slow?seconds=0.2', key)).status).toBe(200);
      const slow = api.logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        // Other statements may be slow too on a loaded machine (boot-time catalog reads): find this one.
        .find((l) => l.msg === 'slow query' && String(l.query).includes('pg_sleep'));
      expect(slow).toMatchObject({
        durationMs: expect.any(Number),
        target: `127.0.0.1:${standby.port}/${dbName}`,
        query: expect.stringContaining('pg_sleep'),
      });
      expect(slow!.durationMs as number).toBeGreaterThanOrEqual(150);
    } finally {
      await api.close();
    }
  });
});

interface Pool {
  total: number;
  idle: number;
  waiting: number;
}
interface Detail {
  primary: { host: string; pool: Pool };
  replicas: Array<{ name: string; inRotation: boolean; lagMs?: number; pool: Pool }>;
}

function call(api: RunningApp, method: string, path: string, key: string): Promise<Response> {
  return fetch(`${api.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
}

async function getJson(api: RunningApp, path: string, key: string) {
  const response = await call(api, 'GET', path, key);
  const body = (await response.json()) as { found: number; port: number; replica: boolean };
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function health(api: RunningApp): Promise<Detail> {
  const response = await fetch(`${api.baseUrl}/health/detailed`, {
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
  });
  return ((await response.json()) as { details: { database: Detail } }).details.database;
}

async function metrics(api: RunningApp): Promise<string> {
  return (await fetch(`${api.baseUrl}/metrics`)).text();
}

function metric(page: string, name: string, labels: Record<string, string>): number {
  const selector = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const line = page.split('\n').find((l) => l.startsWith(`${name}{${selector}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

function delta(before: string, after: string, name: string, labels: Record<string, string>): number {
  return metric(after, name, labels) - metric(before, name, labels);
}
