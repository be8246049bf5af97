import type { TestProject } from 'vitest/node';
import { PrivatePgBouncer } from '../support/pgbouncer';
import { PrivateRedisCluster } from '../support/redis-cluster';

/**
 * The engines the `scale-out` project re-runs integration tests on: one private 3-master, 3-replica
 * Redis Cluster and one private PgBouncer (transaction pooling) in front of the shared Postgres. The
 * tests pick them up through test/support (testEnv, createTestDatabase), each under its own key
 * prefix and database as on the shared services.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [cluster, pgbouncer] = await Promise.all([PrivateRedisCluster.start(), PrivatePgBouncer.start()]);
  project.provide('redisClusterNodes', cluster.nodes);
  project.provide('pgbouncerPort', pgbouncer.port);
  return async () => {
    pgbouncer.destroy();
    await cluster.destroy();
  };
}
