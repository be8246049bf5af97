import { Queue } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { inject } from 'vitest';
import { bullPrefix } from '@platform/queue';

/** The shared local Redis; tests never reconfigure or flush it. */
export const LOCAL_REDIS = 'redis://127.0.0.1:6379';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by the scale-out project's global setup: the same tests then run on a private Redis Cluster. */
    redisClusterNodes?: string;
    /** Set by the same setup: the app's DATABASE_URL goes through this private PgBouncer. */
    pgbouncerPort?: number;
  }
}

/** REDIS_CLUSTER_NODES when this run targets the private cluster, else undefined (the shared server). */
export function testClusterNodes(): string | undefined {
  return inject('redisClusterNodes') || undefined;
}

/** The Redis variables a test app gets: the shared server, or the private cluster under `scale-out`. */
export function testRedisEnv(): Record<string, string> {
  const nodes = testClusterNodes();
  return nodes
    ? { REDIS_URL: `redis://${nodes.split(',')[0]}`, REDIS_CLUSTER_NODES: nodes }
    : { REDIS_URL: LOCAL_REDIS };
}

/** A raw client on the test topology, for assertions and fixtures. */
export function openTestRedis(options: RedisOptions = {}): Redis | Cluster {
  const nodes = testClusterNodes();
  if (!nodes) return new Redis(LOCAL_REDIS, options);
  const hosts = nodes.split(',').map((n) => ({ host: n.split(':')[0], port: Number(n.split(':')[1]) }));
  return new Cluster(hosts, { redisOptions: options });
}

/** A BullMQ queue on the test topology under the app's prefix; close() also drops its connection. */
export function openTestQueue(name: string, keyPrefix: string): Queue {
  const connection = openTestRedis({ maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix: bullPrefix({ redis: { keyPrefix } }) });
  const close = queue.close.bind(queue);
  queue.close = async () => {
    await close();
    connection.disconnect();
  };
  return queue;
}

/** Deletes every key under a test's prefix (queue tests leave thousands of job hashes otherwise). */
export async function deleteRedisKeys(prefix: string | undefined): Promise<void> {
  if (!prefix || !prefix.startsWith('test:')) return; // never anything but a test's own prefix
  const client = openTestRedis({ maxRetriesPerRequest: 1 });
  try {
    const servers = client instanceof Cluster ? await mastersOf(client) : [client];
    for (const server of servers) {
      let cursor = '0';
      do {
        const [next, keys] = await server.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        // One UNLINK per key: on a cluster node a multi-key UNLINK must stay within one slot.
        if (keys.length > 0) await keys.reduce((p, key) => p.unlink(key), server.pipeline()).exec();
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
}

async function mastersOf(cluster: Cluster): Promise<Redis[]> {
  if (cluster.status !== 'ready') await new Promise((r) => cluster.once('ready', r));
  return cluster.nodes('master');
}
