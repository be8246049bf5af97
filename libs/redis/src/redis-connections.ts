import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTopology } from '@platform/config';

/** A connection to whichever topology is configured: one server or Sentinel (Redis), or Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * Connection roles. Each role has different failure semantics:
 * - commands: request-path calls (throttle, cache, LSN marks) must fail fast, never queue while
 *   Redis is down, so a breaker can open and a fallback take over.
 * - subscriber: a connection in subscribe mode can issue nothing else; it reconnects forever.
 * - BullMQ workers need `maxRetriesPerRequest: null` (blocking commands); producers fail fast.
 */
export type RedisRole = 'commands' | 'subscriber' | 'bullmq-worker' | 'bullmq-producer';

export interface RedisConnectionSettings {
  url: string;
  /** Sentinel or Cluster; absent means the one server at `url`. */
  topology?: RedisTopology;
  commandTimeoutMs: number;
  connectionName: string;
}

export function redisOptionsFor(role: RedisRole, settings: RedisConnectionSettings): RedisOptions {
  const base: RedisOptions = {
    connectionName: `${settings.connectionName}:${role}`,
    connectTimeout: 2_000,
    // Back off up to 2 s between reconnects; never give up (Redis coming back must be noticed).
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    lazyConnect: false,
    reconnectOnError: reconnectOnReadOnly,
  };
  switch (role) {
    case 'commands':
      return {
        ...base,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: settings.commandTimeoutMs,
      };
    case 'subscriber':
      return { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null };
    case 'bullmq-worker':
      return { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null };
    case 'bullmq-producer':
      // No blocking commands on this role, so a timeout is safe: a hung (paused) Redis must not hang
      // an enqueue, a job lookup or a /metrics scrape that reads queue depths.
      return {
        ...base,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: settings.commandTimeoutMs,
      };
  }
}

/**
 * A master that was failed over but still answers (a partition, a manual failover) replies READONLY to
 * writes. Reconnecting (2 = reconnect and resend the command) asks Sentinel or the cluster again for
 * the current master, instead of failing every write until someone restarts the pod.
 */
export function reconnectOnReadOnly(error: Error): 2 | false {
  return error.message.startsWith('READONLY') ? 2 : false;
}

export function createRedis(role: RedisRole, settings: RedisConnectionSettings): RedisClient {
  const topology = settings.topology ?? { kind: 'standalone', url: settings.url };
  const options = redisOptionsFor(role, settings);
  switch (topology.kind) {
    case 'standalone':
      return new Redis(topology.url, options);
    case 'sentinel':
      return new Redis({
        ...options,
        ...credentialsOf(topology.url),
        sentinels: topology.sentinels,
        name: topology.masterName,
        // Sentinels announce +switch-master; listening to it reconnects at once instead of at the next error.
        failoverDetector: true,
        sentinelRetryStrategy: (times) => Math.min(times * 100, 2_000),
      });
    case 'cluster':
      return new Cluster(topology.nodes, clusterOptionsFor(options, topology.url));
  }
}

/** The per-node options move under `redisOptions`; offline queue and retry are cluster-wide. */
function clusterOptionsFor(options: RedisOptions, url: string): ClusterOptions {
  const { enableOfflineQueue, retryStrategy, ...redisOptions } = options;
  return {
    enableOfflineQueue,
    clusterRetryStrategy: retryStrategy,
    redisOptions: { ...redisOptions, ...credentialsOf(url) },
    // A replica promoted by the cluster answers within a few seconds; keep retrying meanwhile.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    slotsRefreshTimeout: 2_000,
  };
}

/** REDIS_URL's credentials and TLS apply to the Sentinel master and to every cluster node. */
function credentialsOf(url: string): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Resolves once the client is ready, or after `timeoutMs` without failing: boot must not hang on Redis. */
export function waitUntilReady(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once('ready', onReady);
  });
}

/**
 * QUIT politely, but never wait more than `timeoutMs`: when Redis is down, QUIT sits in the offline
 * queue and would never settle, so after the timeout the socket is dropped and we move on.
 */
export async function closeRedis(client: RedisClient, timeoutMs = 1_000): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([
    client.quit().then(
      () => undefined,
      () => undefined,
    ),
    timedOut,
  ]);
  clearTimeout(timer);
  if ((client.status as string) !== 'end') client.disconnect();
}
