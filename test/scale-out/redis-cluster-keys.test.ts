import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  deleteRedisKeys,
  openTestRedis,
  startInProcess,
  TEST_ADMIN_TOKEN,
  testClusterNodes,
  testEnv,
  type RunningApp,
  type TestDatabase,
} from '../support';

/**
 * On the private Redis Cluster the scale-out project runs on: why the prefixes carry hash tags (the
 * old ones fail with CROSSSLOT), and that /health/detailed shows the topology.
 */
describe('the platform on a Redis Cluster', () => {
  let db: TestDatabase;
  let api: RunningApp;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = testEnv({ DATABASE_URL: db.url });
    api = await startInProcess('api', env);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
    await deleteRedisKeys(env?.REDIS_KEY_PREFIX);
  });

  it('runs on the cluster, and /health/detailed shows it: 3 masters, 3 replicas, state ok', async () => {
    expect(testClusterNodes()).toBeDefined();
    const res = await fetch(`${api.baseUrl}/health/detailed`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const { details } = (await res.json()) as {
      details: {
        redisTopology: {
          status: string;
          kind: string;
          masters: string[];
          replicas: string[];
          clusterState: string;
        };
      };
    };
    expect(details.redisTopology).toMatchObject({ status: 'up', kind: 'cluster', clusterState: 'ok' });
    expect(details.redisTopology.masters).toHaveLength(3);
    expect(details.redisTopology.replicas).toHaveLength(3);
  });

  it('spreads what has no reason to share a slot (throttle buckets) over several masters', async () => {
    const cluster = openTestRedis() as Cluster;
    try {
      const slots = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          cluster.cluster('KEYSLOT', `${env.REDIS_KEY_PREFIX}rl:key:${i}`),
        ),
      );
      expect(new Set(slots).size).toBeGreaterThan(10);
    } finally {
      cluster.disconnect();
    }
  });

  it('refuses a BullMQ queue whose prefix has no hash tag (what the platform did before): CROSSSLOT', async () => {
    const connection = openTestRedis({ maxRetriesPerRequest: null });
    const queue = new Queue('jobs', { connection, prefix: `${env.REDIS_KEY_PREFIX}untagged` });
    try {
      const error = await queue.add('x', {}, { priority: 1 }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/CROSSSLOT/);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
