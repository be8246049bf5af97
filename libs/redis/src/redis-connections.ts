import { Redis, type RedisOptions } from 'ioredis';

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

export function createRedis(role: RedisRole, settings: RedisConnectionSettings): Redis {
  return new Redis(settings.url, redisOptionsFor(role, settings));
}

/** Resolves once the client is ready, or after `timeoutMs` without failing: boot must not hang on Redis. */
export function waitUntilReady(client: Redis, timeoutMs: number): Promise<boolean> {
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
export async function closeRedis(client: Redis, timeoutMs = 1_000): Promise<void> {
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
