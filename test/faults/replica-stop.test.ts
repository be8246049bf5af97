import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
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
} from '../support';

const PROBE_INTERVAL_MS = 500;

/** Stops this test's own standby (never the shared primary) under read traffic, then restarts it. */
describe('replica stopped under traffic', () => {
  let db: TestDatabase;
  let standby: PgStandby;
  let api: RunningApp;
  let key: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const dbName = new URL(db.url).pathname.slice(1);
    standby = await PgStandby.create();
    await standby.waitForDatabase(dbName);
    api = await startApiWithControllers(
      testEnv({
        DATABASE_URL: db.url,
        DATABASE_REPLICA_URLS: standby.url(dbName),
        REPLICA_CHECK_INTERVAL_MS: String(PROBE_INTERVAL_MS),
      }),
      [ReplicaTestController],
      REPLICA_TEST_IMPORTS,
    );
    key = (await issueApiKey(db.dataSource, 'fault', 'internal')).key;
    await waitFor(async () => (await replicaStatus()).inRotation, 'replica in rotation', 15_000);
  });
  afterAll(async () => {
    await api?.close();
    await standby?.remove();
    await db?.drop();
  });

  async function replicaStatus(): Promise<{ inRotation: boolean; reason?: string }> {
    const response = await fetch(`${api.baseUrl}/health/detailed`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    const body = (await response.json()) as {
      details: { database: { replicas: Array<{ inRotation: boolean; reason?: string }> } };
    };
    return body.details.database.replicas[0];
  }

  it('fails no read, leaves rotation within one probe interval and returns after restart', async () => {
    let running = true;
    const outcomes: Array<{ ok: boolean; replica?: boolean; at: number; error?: string }> = [];
    // Quick reads, and slow ones so that some are always in flight on the replica when it stops.
    const reader = async (path: string) => {
      while (running) {
        try {
          const response = await fetch(`${api.baseUrl}${path}`, {
            headers: { authorization: `Bearer ${key}` },
          });
          const body = (await response.json()) as { found?: number; replica: boolean };
          outcomes.push({
            ok: response.status === 200 && (body.found ?? 1) === 1,
            replica: body.replica,
            at: Date.now(),
            error: response.status === 200 ? undefined : JSON.stringify(body),
          });
        } catch (error) {
          outcomes.push({ ok: false, at: Date.now(), error: (error as Error).message });
        }
      }
    };
    const readers = [
      ...Array.from({ length: 3 }, () => reader('/v1/replica-test/tiers/free')),
      ...Array.from({ length: 3 }, () => reader('/v1/replica-test/slow?seconds=0.3')),
    ];

    await sleep(1_000);
    expect(outcomes.some((o) => o.replica)).toBe(true);

    const stoppedAt = Date.now();
    await standby.stop();
    await waitFor(async () => !(await replicaStatus()).inRotation, 'replica out of rotation', 10_000);
    const leftAfterMs = Date.now() - stoppedAt;
    expect(await readyz()).toBe(200); // a lost replica does not make the instance unready

    await sleep(1_500);
    const whileDown = outcomes.filter((o) => o.at > Date.now() - 1_000);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.every((o) => o.replica === false)).toBe(true);

    const restartedAt = Date.now();
    await standby.start();
    await waitFor(async () => (await replicaStatus()).inRotation, 'replica back in rotation', 30_000);
    const backAfterMs = Date.now() - restartedAt;
    const backAt = Date.now();
    await sleep(1_000);
    running = false;
    await Promise.all(readers);

    const failed = outcomes.filter((o) => !o.ok);
    expect(failed).toEqual([]);
    // Reads that were running on the replica when it stopped were retried on the primary.
    expect(await retriedOnPrimary()).toBeGreaterThan(0);
    // `pg_ctl stop -m fast` returns once the server is down; by then reads that hit it already took
    // the replica out. One probe interval plus a margin for a loaded machine.
    expect(leftAfterMs).toBeLessThanOrEqual(PROBE_INTERVAL_MS + 1_000);
    expect(outcomes.filter((o) => o.at > backAt).some((o) => o.replica)).toBe(true);
    console.info(
      `replica stop: ${outcomes.length} reads, 0 failed; left rotation ${leftAfterMs} ms after stop returned; back ${backAfterMs} ms after start returned`,
    );
  });

  async function retriedOnPrimary(): Promise<number> {
    const page = await (await fetch(`${api.baseUrl}/metrics`)).text();
    const line = page
      .split('\n')
      .find((l) => l.startsWith('db_reads_on_primary_total{reason="replica_failed"}'));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  async function readyz(): Promise<number> {
    return (await fetch(`${api.baseUrl}/readyz`)).status;
  }
});
