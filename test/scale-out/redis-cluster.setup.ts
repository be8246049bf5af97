import type { TestProject } from 'vitest/node';
import { PrivateRedisCluster } from '../support/redis-cluster';

/**
 * One private 3-master, 3-replica Redis Cluster for the whole `scale-out` project: the integration
 * tests it re-runs read REDIS_CLUSTER_NODES from it (test/support/redis-topology.ts), each under its
 * own key prefix as on the shared server.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await PrivateRedisCluster.start();
  project.provide('redisClusterNodes', cluster.nodes);
  return () => cluster.destroy();
}
