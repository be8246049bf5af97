import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '@platform/database';
import {
  createTestDatabase,
  PrivateRedis,
  spawnApp,
  testEnv,
  waitFor,
  type SpawnedApp,
  type TestDatabase,
} from '../support';

const USERS = Array.from({ length: 12 }, (_, i) => `pause-user-${i + 1}`);
const PAUSE_MS = 10_000;
/** A request slower than this does not count as "back to normal" (generous for a loaded 2-core box). */
const NORMAL_MS = 1_000;

interface Sample {
  kind: 'read' | 'write';
  startedAt: number;
  ms: number;
  status: number;
  userId: string;
  accepted?: number;
}

/**
 * The API and the worker as processes on their own redis-server; steady reads and event writes from
 * this test while Redis is SIGSTOPped for 10 s. Cached reads keep answering, writes keep being
 * accepted (into the outbox), both are back to normal within 5 s of Redis returning, and every accepted
 * event ends up counted in its user's recommendations.
 */
describe('Redis paused under mixed load', () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let api: SpawnedApp;
  let worker: SpawnedApp;
  let key: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await PrivateRedis.start();
    const env = testEnv({ DATABASE_URL: db.url, REDIS_URL: redis.url, OUTBOX_RELAY_INTERVAL_MS: '200' });
    [api, worker] = await Promise.all([spawnApp('api', env), spawnApp('worker', env)]);
    key = (await issueApiKey(db.dataSource, 'pause', 'internal')).key;
  });
  afterAll(async () => {
    redis?.unpause();
    await Promise.all([api?.stop('SIGTERM'), worker?.stop('SIGTERM')]);
    await redis?.destroy();
    await db?.drop();
  });

  const headers = () => ({ 'x-api-key': key, 'content-type': 'application/json' });

  async function recommendations(userId: string): Promise<{ status: number; total?: number }> {
    const res = await fetch(`${api.baseUrl}/v1/users/${userId}/recommendations`, { headers: headers() });
    if (res.status !== 200) {
      await res.arrayBuffer();
      return { status: res.status };
    }
    const body = (await res.json()) as { metadata: { searches: number; purchases: number } };
    return { status: 200, total: body.metadata.searches + body.metadata.purchases };
  }

  async function postEvent(userId: string, i: number): Promise<{ status: number; accepted?: number }> {
    const res = await fetch(`${api.baseUrl}/v1/events`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ userId, type: i % 3 === 0 ? 'purchase' : 'search', category: `cat${i % 4}` }),
    });
    const body = (await res.json()) as { accepted?: number };
    return { status: res.status, accepted: res.status === 202 ? body.accepted : undefined };
  }

  it('reads 0 5xx, writes accepted, recovery within 5 s, every accepted event counted', async () => {
    const accepted = new Map<string, number>(USERS.map((u) => [u, 0]));
    // Every user starts with one event and computed (then cached) recommendations.
    for (const [i, userId] of USERS.entries()) {
      expect((await postEvent(userId, i)).status).toBe(202);
      accepted.set(userId, 1);
    }
    for (const userId of USERS) {
      await waitFor(async () => (await recommendations(userId)).total === 1, `first recompute of ${userId}`);
    }

    const samples: Sample[] = [];
    let running = true;
    let n = 0;
    const lane = async (kind: Sample['kind']) => {
      while (running) {
        const i = (n += 1);
        const userId = USERS[i % USERS.length];
        const startedAt = Date.now();
        try {
          if (kind === 'read') {
            const { status } = await recommendations(userId);
            samples.push({ kind, startedAt, ms: Date.now() - startedAt, status, userId });
          } else {
            const result = await postEvent(userId, i);
            samples.push({ kind, startedAt, ms: Date.now() - startedAt, status: result.status, userId });
            if (result.status === 202)
              accepted.set(userId, (accepted.get(userId) ?? 0) + (result.accepted ?? 0));
          }
        } catch {
          samples.push({ kind, startedAt, ms: Date.now() - startedAt, status: 0, userId });
        }
        // Paced: steady load well under the internal tier's 1000 req/s, so no 429 is deliberate.
        await sleep(kind === 'write' ? 20 : 10);
      }
    };
    const lanes = [
      ...Array.from({ length: 6 }, () => lane('read')),
      ...Array.from({ length: 2 }, () => lane('write')),
    ];

    await sleep(3_000);
    const pausedAt = Date.now();
    redis.pause();
    await sleep(PAUSE_MS);
    redis.unpause();
    const resumedAt = Date.now();
    await sleep(8_000);
    running = false;
    await Promise.all(lanes);

    const reads = samples.filter((s) => s.kind === 'read');
    const writes = samples.filter((s) => s.kind === 'write');
    const during = (s: Sample) => s.startedAt >= pausedAt && s.startedAt < resumedAt;
    // Enough traffic in each phase for the claims to mean something.
    expect(reads.filter(during).length).toBeGreaterThan(50);
    expect(writes.filter(during).length).toBeGreaterThan(5);
    // Cached reads: never a 5xx (nor a dropped connection), before, during or after.
    expect(reads.filter((s) => s.status >= 500 || s.status === 0)).toEqual([]);
    expect(reads.filter((s) => s.status !== 200).map((s) => s.status)).toEqual([]);
    // (Before the producer mapped a command timeout to "queue unavailable", writes here answered 500.)
    if (writes.some((s) => s.status !== 202)) {
      console.info(
        api
          .output()
          .split('\n')
          .filter((l) => /"level":"error"/.test(l))
          .slice(0, 3)
          .join('\n'),
      );
    }
    // Writes: every one accepted, the pause included (they wait in the outbox).
    expect(writes.filter((s) => s.status !== 202).map((s) => s.status)).toEqual([]);

    // Recovery: the first moment after which every request started was answered normally.
    const abnormal = samples.filter(
      (s) => s.startedAt >= resumedAt && (s.ms > NORMAL_MS || !(s.status === 200 || s.status === 202)),
    );
    const lastAbnormal = Math.max(resumedAt, ...abnormal.map((s) => s.startedAt + s.ms));
    const recoveryMs = lastAbnormal - resumedAt;
    console.info(
      `redis pause: ${reads.length} reads, ${writes.length} writes; during the pause ` +
        `${reads.filter(during).length} reads (max ${Math.max(...reads.filter(during).map((s) => s.ms))} ms), ` +
        `${writes.filter(during).length} writes (max ${Math.max(...writes.filter(during).map((s) => s.ms))} ms); ` +
        `recovered ${recoveryMs} ms after Redis returned`,
    );
    expect(recoveryMs).toBeLessThanOrEqual(5_000);
    // And normal means both kinds are flowing after it, not only that nothing was slow.
    expect(reads.filter((s) => s.startedAt > lastAbnormal).length).toBeGreaterThan(20);
    expect(writes.filter((s) => s.startedAt > lastAbnormal).length).toBeGreaterThan(5);

    // Eventually consistent: every accepted event is in its user's recommendations, read through the API.
    for (const userId of USERS) {
      const expected = accepted.get(userId);
      await waitFor(
        async () => (await recommendations(userId)).total === expected,
        `${userId} to count ${expected} events`,
        60_000,
        250,
      );
    }
    const [{ n: stored }] = await db.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM user_events WHERE user_id = ANY($1)`,
      [USERS],
    );
    expect(stored).toBe([...accepted.values()].reduce((a, b) => a + b, 0));
  });
});
