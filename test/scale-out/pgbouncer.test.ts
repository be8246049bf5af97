import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '@platform/config';
import { dropDatabase, issueApiKey, postgresOptions } from '@platform/database';
import { migrateAndSeed } from '../../scripts/migrate';
import {
  LOCAL_POSTGRES,
  PrivatePgBouncer,
  randomSuffix,
  REPLICA_TEST_IMPORTS,
  ReplicaTestController,
  spawnApp,
  startApiWithControllers,
  testEnv,
  type RunningApp,
  type SpawnedApp,
} from '../support';

/**
 * The app and worker through a private PgBouncer in transaction pooling mode: migrate creates and
 * migrates a brand-new database on MIGRATION_DATABASE_URL (direct), the apps run on the pooled URL,
 * and the statement timeout is still enforced although no startup parameter carries it.
 */
describe('through PgBouncer (pool_mode = transaction)', () => {
  let bouncer: PrivatePgBouncer;
  const name = `test_${randomSuffix()}`;
  const directUrl = `${LOCAL_POSTGRES}/${name}`;
  let pooledUrl: string;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    bouncer = await PrivatePgBouncer.start();
    pooledUrl = bouncer.url(name);
    env = testEnv({
      DATABASE_URL: pooledUrl,
      MIGRATION_DATABASE_URL: directUrl,
      DATABASE_TRANSACTION_POOLER: 'true',
      DB_STATEMENT_TIMEOUT_MS: '500',
    });
  });
  afterAll(async () => {
    bouncer?.destroy();
    await dropDatabase(directUrl).catch(() => undefined);
  });

  it('refuses the startup parameter node-postgres would send (why the platform sends none through it)', async () => {
    const client = new Client({ connectionString: bouncer.url('postgres'), statement_timeout: 1_000 });
    client.on('error', () => undefined);
    const error = await client.connect().then(
      () => undefined,
      (e: Error) => e,
    );
    await client.end().catch(() => undefined);
    expect(error?.message).toMatch(/unsupported startup parameter: statement_timeout/);
  });

  it('migrates a new database on the direct URL, then serves through the pooler with the timeout enforced', async () => {
    const logBefore = bouncer.log.length;
    const lines: string[] = [];
    await migrateAndSeed(loadConfig(env), (line) => lines.push(line));
    expect(lines.join('\n')).toMatch(/created database/);
    expect(lines.join('\n')).toMatch(/statement_timeout 500 ms set on the database/);

    let api: RunningApp | undefined;
    let worker: SpawnedApp | undefined;
    const direct = new DataSource(postgresOptions(loadConfig({ DATABASE_URL: directUrl }), directUrl));
    try {
      await direct.initialize();
      [api, worker] = await Promise.all([
        startApiWithControllers(env, [ReplicaTestController], REPLICA_TEST_IMPORTS),
        spawnApp('worker', env),
      ]);
      const key = (await issueApiKey(direct, 'pooled', 'internal')).key;
      const headers = { 'x-api-key': key };

      // Writes and reads, with a job to the worker, all through the pooler.
      const posted = await fetch(`${api.baseUrl}/v1/events`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'pooled', type: 'purchase', category: 'books' }),
      });
      expect(posted.status).toBe(202);
      const recommended = await waitForOk(`${api.baseUrl}/v1/users/pooled/recommendations`, headers);
      expect(recommended.recommended_categories).toContain('books');

      // A statement longer than the timeout is cancelled by Postgres: 503 query_timeout, not a hang.
      const started = Date.now();
      const slow = await fetch(`${api.baseUrl}/v1/replica-test/slow?seconds=5`, { headers });
      expect(slow.status).toBe(503);
      expect(await slow.json()).toMatchObject({ error: 'query_timeout' });
      expect(Date.now() - started).toBeLessThan(3_000);

      // Nothing on the pooled path holds session state: no advisory lock outlives its transaction.
      const [{ locks }] = await direct.query<Array<{ locks: number }>>(
        "SELECT count(*)::int AS locks FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1",
        [name],
      );
      expect(locks).toBe(0);
      // Readiness asks the primary on a probe connection of its own, through the pooler too.
      for (const app of [api, worker]) {
        const ready = await fetch(`${app.baseUrl}/readyz`);
        expect(ready.status, app.baseUrl).toBe(200);
        expect(await ready.json()).toMatchObject({ info: { postgres: { status: 'up' } } });
      }
      expect(bouncer.log.slice(logBefore)).not.toMatch(/unsupported startup parameter/);
    } finally {
      await worker?.stop();
      await api?.close();
      await direct.destroy().catch(() => undefined);
    }
  });
});

async function waitForOk(url: string, headers: Record<string, string>) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(url, { headers });
    if (res.status === 200) return (await res.json()) as { recommended_categories: string[] };
    if (Date.now() > deadline) throw new Error(`no recommendations: ${res.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
