import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config';

describe('scale-out configuration', () => {
  it('keeps REDIS_URL as the one-server topology by default', () => {
    expect(loadConfig({}).redis.topology).toEqual({ kind: 'standalone', url: 'redis://127.0.0.1:6379' });
  });

  it('prefers Cluster or Sentinel over REDIS_URL, which may stay set', () => {
    const cluster = loadConfig({
      REDIS_URL: 'redis://seed:7000',
      REDIS_CLUSTER_NODES: 'a:7000, b:7001,[::1]:7002',
    });
    expect(cluster.redis.topology).toEqual({
      kind: 'cluster',
      url: 'redis://seed:7000',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
    const sentinel = loadConfig({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'platform' });
    expect(sentinel.redis.topology).toMatchObject({ kind: 'sentinel', masterName: 'platform' });
  });

  it('refuses bad host lists, both topologies at once, and a sentinel set without a name', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000,b' })).toThrow(/REDIS_CLUSTER_NODES.*has no port/);
    expect(() => loadConfig({ REDIS_SENTINELS: 'a:99999', REDIS_SENTINEL_NAME: 'm' })).toThrow(
      /REDIS_SENTINELS/,
    );
    expect(() =>
      loadConfig({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'b:2' }),
    ).toThrow(/set one or the other/);
    expect(() => loadConfig({ REDIS_SENTINELS: 'a:1' })).toThrow(/REDIS_SENTINEL_NAME/);
  });

  it('splits a multi-host DATABASE_URL into one URL per host, credentials and options kept', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:pw@db1:5432,db2:5433,db3/main?sslmode=require',
    });
    expect(config.database.hostUrls).toEqual([
      'postgres://app:pw@db1:5432/main?sslmode=require',
      'postgres://app:pw@db2:5433/main?sslmode=require',
      'postgres://app:pw@db3:5432/main?sslmode=require',
    ]);
    expect(config.database.url).toBe(config.database.hostUrls[0]);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db1:5432,:5/x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db1/x' })).toThrow(/DATABASE_URL/);
  });

  it('takes a direct migration URL and the transaction-pooler switch', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app@pgbouncer:6432/main',
      MIGRATION_DATABASE_URL: 'postgres://app@db:5432/main',
      DATABASE_TRANSACTION_POOLER: 'true',
    });
    expect(config.database.migrationUrl).toBe('postgres://app@db:5432/main');
    expect(config.database.transactionPooler).toBe(true);
    expect(loadConfig({}).database.transactionPooler).toBe(false);
  });

  it('asks one replica to confirm dispatched jobs with Sentinel or Cluster, none with one server', () => {
    expect(loadConfig({}).queue).toMatchObject({ dispatchReplicas: 0, dispatchWaitMs: 500 });
    const sentinel = { REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'platform' };
    expect(loadConfig(sentinel).queue.dispatchReplicas).toBe(1);
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000' }).queue.dispatchReplicas).toBe(1);
    expect(loadConfig({ ...sentinel, QUEUE_DISPATCH_REPLICAS: '0' }).queue.dispatchReplicas).toBe(0);
    expect(loadConfig({ QUEUE_DISPATCH_REPLICAS: '2' }).queue.dispatchReplicas).toBe(2);
    // WAIT must answer before the client's own command timeout gives up on it.
    expect(loadConfig({ REDIS_COMMAND_TIMEOUT_MS: '300' }).queue.dispatchWaitMs).toBe(150);
    expect(loadConfig({ QUEUE_DISPATCH_WAIT_MS: '100' }).queue.dispatchWaitMs).toBe(100);
    expect(() => loadConfig({ QUEUE_DISPATCH_WAIT_MS: '1000' })).toThrow(
      /QUEUE_DISPATCH_WAIT_MS: must be less than REDIS_COMMAND_TIMEOUT_MS/,
    );
  });
});
