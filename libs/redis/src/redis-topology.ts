import { Cluster, type Redis } from 'ioredis';
import type { RedisTopology } from '@platform/config';
import type { RedisClient } from './redis-connections';

/** The cache's tag sets use PEXPIRE NX/GT, new in Redis 7.0. */
export const MINIMUM_REDIS_VERSION = '7.0.0';

/** What /health/detailed shows about Redis: the topology and where this process is connected now. */
export interface RedisTopologyStatus {
  kind: RedisTopology['kind'];
  /** The master this connection talks to (one server, or the one Sentinel gave us). */
  master?: string;
  masterName?: string;
  /** Cluster: masters and replicas as the client currently maps the slots, and the cluster's own state. */
  masters?: string[];
  replicas?: string[];
  clusterState?: string;
}

export async function describeRedis(
  client: RedisClient,
  topology: RedisTopology,
): Promise<RedisTopologyStatus> {
  if (client instanceof Cluster) {
    const address = (node: Redis) => `${node.options.host}:${node.options.port}`;
    const info = String(await client.cluster('INFO'));
    return {
      kind: 'cluster',
      masters: client.nodes('master').map(address).sort(),
      replicas: client.nodes('slave').map(address).sort(),
      clusterState: /cluster_state:(\w+)/.exec(info)?.[1],
    };
  }
  const stream = client.stream as { remoteAddress?: string; remotePort?: number } | undefined;
  const master = stream?.remoteAddress ? `${stream.remoteAddress}:${stream.remotePort}` : undefined;
  return topology.kind === 'sentinel'
    ? { kind: 'sentinel', masterName: topology.masterName, master }
    : { kind: 'standalone', master };
}

/** The lowest `redis_version` among the servers this client writes to (every master of a cluster). */
export async function serverVersion(client: RedisClient): Promise<string> {
  const servers: Array<Redis | RedisClient> = client instanceof Cluster ? client.nodes('master') : [client];
  const versions = await Promise.all(
    servers.map(async (server) => /redis_version:([\d.]+)/.exec(await server.info('server'))?.[1] ?? '0'),
  );
  return versions.sort(compareVersions)[0];
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
