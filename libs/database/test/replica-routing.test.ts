import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { readAtLeast, ReplicaRouter, runAs, runWithoutCaller, Tier } from '@platform/database';
import {
  startCoreApp,
  type RunningApp,
  PgStandby,
  waitFor,
  REPLICA_ROUTES_IMPORTS,
  ReplicaRoutesController,
  TEST_CALLER_HEADER,
  TEST_READ_FROM_PRIMARY_HEADER,
  createTestDatabase,
  type TestDatabase,
  testEnv,
  TEST_ADMIN_TOKEN,
} from '../../../test/support/libs';

/**
 * Against the real primary and a real streaming standby (scripts/pg-replica.sh) delayed by 500 ms,
 * through an app of the libs only (CoreModule and test routes, over real HTTP): a request's caller is
 * whoever its `x-test-caller` header names, scoped with the database lib's runAs/runWithoutCaller.
 */
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

  async function startServer(overrides: Record<string, string> = {}): Promise<RunningApp> {
    const server = await startCoreApp(
      testEnv({
        DATABASE_URL: db.url,
        DATABASE_REPLICA_URLS: replicaUrl,
        REPLICA_CHECK_INTERVAL_MS: '200',
        ...overrides,
      }),
      { controllers: [ReplicaRoutesController], imports: REPLICA_ROUTES_IMPORTS },
    );
    await waitFor(
      async () => (await health(server)).replicas[0]?.inRotation === true,
      'replica in rotation',
      15_000,
    );
    return server;
  }

  describe('with the default pool', () => {
    let server: RunningApp;
    // Two callers, as two API keys would be.
    const writer = 'writer';
    const reader = 'reader';

    beforeAll(async () => {
      server = await startServer();
    });
    afterAll(async () => {
      await server?.close();
    });

    it('a caller reads its own writes at once (0 stale of 200) while other callers keep reading the replica', async () => {
      let writerDone = false;
      const otherReads: Array<{ replica: boolean; port: number }> = [];
      const other = (async () => {
        while (!writerDone) otherReads.push(await getJson(server, '/replica-test/tiers/free', reader));
      })();

      let stale = 0;
      const writerReadsOn: boolean[] = [];
      for (let i = 0; i < 200; i++) {
        const name = `rw-${i}-${Date.now()}`;
        const created = await call(server, 'POST', `/replica-test/tiers/${name}`, writer);
        expect(created.status).toBe(201);
        const read = await getJson(server, `/replica-test/tiers/${name}`, writer);
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
        metric(await metrics(server), 'db_reads_on_primary_total', { reason: 'replicas_behind' }),
      ).toBeGreaterThanOrEqual(190);
    });

    it('gives worker-style code the same guarantee with runAs, across separate contexts', async () => {
      const tiers = server.app.get<DataSource>(getDataSourceToken()).getRepository(Tier);
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

    it('a request with no caller that writes then reads back reads its write, with its reads on the primary (as an operator request) or in its own scope', async () => {
      for (const primary of [true, false]) {
        for (let i = 0; i < 10; i++) {
          const name = `anonymous-${primary ? 'primary' : 'scoped'}-${i}-${Date.now()}`;
          const response = await fetch(`${server.baseUrl}/replica-test/tiers/${name}`, {
            method: 'PUT',
            headers: {
              'content-type': 'application/json',
              ...(primary ? { [TEST_READ_FROM_PRIMARY_HEADER]: '1' } : {}),
            },
            body: JSON.stringify({ ratePerMinute: 70 + i, burst: 5, defaultPriority: 'low', maxBatch: 3 }),
          });
          expect(response.status).toBe(200);
          expect(await response.json()).toMatchObject({ name, ratePerMinute: 70 + i });
        }
      }
      // Reads on the primary also see a write made outside the request a moment ago.
      const tiers = server.app.get<DataSource>(getDataSourceToken()).getRepository(Tier);
      const name = `elsewhere-${Date.now()}`;
      await tiers.insert({ name, ratePerMinute: 1, burst: 1, defaultPriority: 'low', maxBatch: 1 });
      const read = await fetch(`${server.baseUrl}/replica-test/tiers/${name}`, {
        headers: { [TEST_READ_FROM_PRIMARY_HEADER]: '1' },
      });
      expect(await read.json()).toMatchObject({ found: 1, replica: false, port: 5432 });
    });

    it('reads at or after a write position (a cache reload after an invalidation) skip a replica behind it', async () => {
      const tiers = server.app.get<DataSource>(getDataSourceToken()).getRepository(Tier);
      const router = server.app.get(ReplicaRouter);
      const tier = (name: string) => ({
        name,
        ratePerMinute: 1,
        burst: 1,
        defaultPriority: 'low' as const,
        maxBatch: 1,
      });
      let stale = 0;
      let staleWithoutPosition = 0;
      for (let i = 0; i < 20; i++) {
        const name = `fence-${i}-${Date.now()}`;
        // Written by "someone else": no caller scope, so nothing but the position tells readers.
        await tiers.insert(tier(name));
        const lsn = await router.writePosition();
        if (!(await readAtLeast(lsn, () => tiers.findOneBy({ name })))) stale++;
        if (!(await tiers.findOneBy({ name }))) staleWithoutPosition++;
      }
      console.info(
        `reads at a write position: ${stale}/20 stale; the same reads without it: ${staleWithoutPosition}/20`,
      );
      expect(stale).toBe(0);
      expect(staleWithoutPosition).toBeGreaterThanOrEqual(15); // the replica really was behind

      // A write made inside such a scope counts for the scope it narrows, with or without a caller.
      const name = `fence-scoped-${Date.now()}`;
      const seenByAnonymous = await runWithoutCaller(async () => {
        await readAtLeast(0n, () => tiers.insert(tier(`${name}-a`)));
        return tiers.findOneBy({ name: `${name}-a` });
      });
      const seenByCaller = await runAs(`fence-owner:${Date.now()}`, async () => {
        await tiers.findOneBy({ name: 'free' }); // the caller's mark is loaded now, before the write
        await readAtLeast(0n, () => tiers.insert(tier(`${name}-c`)));
        return tiers.findOneBy({ name: `${name}-c` });
      });
      expect(seenByAnonymous).not.toBeNull();
      expect(seenByCaller).not.toBeNull();
    });

    it('serves at least 90 % of plain repository reads from a healthy replica', async () => {
      const before = await metrics(server);
      for (let i = 0; i < 200; i++)
        expect((await getJson(server, '/replica-test/find/free', reader)).found).toBe(1);
      const after = await metrics(server);
      const replicaTarget = `127.0.0.1:${standby.port}/${dbName}`;
      const onReplica = delta(before, after, 'db_queries_total', { target: replicaTarget });
      const onPrimary = delta(before, after, 'db_queries_total', { target: 'primary' });
      expect(onReplica).toBeGreaterThanOrEqual(180);
      expect(onReplica / (onReplica + onPrimary)).toBeGreaterThanOrEqual(0.9);
      console.info(`plain reads: ${onReplica} statements on the replica, ${onPrimary} on the primary`);
    });

    it('runs transactions and query() on the primary and releases every query runner', async () => {
      const results = await Promise.all(
        Array.from({ length: 40 }, () => call(server, 'POST', '/replica-test/transaction', reader)),
      );
      for (const r of results) {
        expect(r.status).toBe(200);
        expect(await r.json()).toMatchObject({ replica: false, port: 5432, tiers: expect.any(Number) });
      }
      expect(await getJson(server, '/replica-test/raw', reader)).toMatchObject({
        replica: false,
        port: 5432,
      });

      const detail = await health(server);
      expect(detail.primary.pool).toMatchObject({ waiting: 0 });
      expect(detail.primary.pool.idle).toBe(detail.primary.pool.total);
      expect(detail.replicas[0].pool).toMatchObject({ waiting: 0 });
      expect(detail.replicas[0].pool.idle).toBe(detail.replicas[0].pool.total);
    });

    it('reports pools, lag and rotation in /health/detailed and /metrics without credentials', async () => {
      const response = await fetch(`${server.baseUrl}/health/detailed`, {
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
      const page = await metrics(server);
      expect(page).not.toContain('Sup3rSecretPw');
      expect(page).toMatch(
        new RegExp(`db_pool_connections\\{host="127.0.0.1:${standby.port}/${dbName}",state="idle"\\} \\d+`),
      );
      expect(page).toMatch(/db_pool_connections\{host="127.0.0.1:5432\/[^"]+",state="total"\} \d+/);
      expect(page).toMatch(
        new RegExp(`db_replica_lag_seconds\\{replica="127.0.0.1:${standby.port}/${dbName}"\\}`),
      );
      expect(server.logs.join('\n')).not.toContain('Sup3rSecretPw');
      // Losing a replica is not a readiness matter.
      expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);
    });
  });

  it('answers 503 database_busy within the acquire timeout when the pool is exhausted, then serves normally', async () => {
    const server = await startServer({ DB_POOL_SIZE: '2', DB_ACQUIRE_TIMEOUT_MS: '1000' });
    try {
      const caller = 'busy';
      await getJson(server, '/replica-test/find/free', caller); // one request served before the burst
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const response = await call(server, 'GET', '/replica-test/slow?seconds=3', caller);
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

      const after = await call(server, 'GET', '/replica-test/find/free', caller);
      expect(after.status).toBe(200);
      const pools = (await health(server)).replicas[0].pool;
      expect(pools.waiting).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('answers 503 query_timeout past the statement timeout and logs slow queries with duration and target', async () => {
    const server = await startServer({ DB_STATEMENT_TIMEOUT_MS: '400', DB_SLOW_QUERY_MS: '100' });
    try {
      const caller = 'timeout';
      const timedOut = await call(server, 'GET', '/replica-test/slow?seconds=2', caller);
      expect(timedOut.status).toBe(503);
      expect(await timedOut.json()).toMatchObject({ error: 'query_timeout' });
      expect(timedOut.headers.get('retry-after')).toBe('1');

      expect((await call(server, 'GET', '/replica-test/slow?seconds=0.2', caller)).status).toBe(200);
      const slow = server.logs
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
      await server.close();
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

/** A request as `caller` (the name TestCallerInterceptor runs it as). */
function call(server: RunningApp, method: string, path: string, caller: string): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, { method, headers: { [TEST_CALLER_HEADER]: caller } });
}

async function getJson(server: RunningApp, path: string, caller: string) {
  const response = await call(server, 'GET', path, caller);
  const body = (await response.json()) as { found: number; port: number; replica: boolean };
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function health(server: RunningApp): Promise<Detail> {
  const response = await fetch(`${server.baseUrl}/health/detailed`, {
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
  });
  return ((await response.json()) as { details: { database: Detail } }).details.database;
}

async function metrics(server: RunningApp): Promise<string> {
  return (await fetch(`${server.baseUrl}/metrics`)).text();
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
