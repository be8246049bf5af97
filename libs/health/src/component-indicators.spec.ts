import type { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { afterEach, describe, expect, it } from 'vitest';
import { TieredCache } from '@platform/cache';
import { loadConfig } from '@platform/config';
import { PrimaryReadiness, ReplicaRouter } from '@platform/database';
import { QueueRegistry, QueueWorkers, RedisMemory } from '@platform/queue';
import { CircuitBreakerRegistry } from '@platform/resilience';
import { ComponentIndicators } from './component-indicators';

/** ComponentIndicators over the given components, as an application providing only those would have it. */
function indicatorsFor(components: Array<[abstract new (...args: never[]) => unknown, unknown]>) {
  const byType = new Map(components);
  const moduleRef = {
    get: (type: unknown) => {
      if (!byType.has(type as never)) throw new Error('UnknownElementException');
      return byType.get(type as never);
    },
  } as unknown as ModuleRef;
  const indicators = new ComponentIndicators(new HealthIndicatorService(), moduleRef);
  indicators.onModuleInit();
  return indicators;
}

/** The checks' results merged, as Terminus reports them under `details`. */
async function run(checks: HealthIndicatorFunction[]) {
  const results: Record<string, { status: string; [key: string]: unknown }> = {};
  for (const check of checks) Object.assign(results, await (typeof check === 'function' ? check() : check));
  return results;
}

describe('ComponentIndicators', () => {
  const registries: CircuitBreakerRegistry[] = [];
  afterEach(() => {
    for (const r of registries.splice(0)) r.onApplicationShutdown();
  });

  it('checks only the components the application has', async () => {
    expect(indicatorsFor([]).readiness()).toEqual([]);
    expect(indicatorsFor([]).details()).toEqual([]);
    const primary = { timeoutMs: 1_000, check: async () => ({ host: 'db:5432', pool: undefined }) };
    const api = indicatorsFor([[PrimaryReadiness, primary]]);
    expect(Object.keys(await run(api.readiness()))).toEqual(['postgres']);
  });

  it('postgres: up with the host and pool counts, down (failing readiness) when check() throws', async () => {
    const pool = { total: 2, idle: 1, waiting: 0 };
    const up = indicatorsFor([
      [PrimaryReadiness, { timeoutMs: 1_000, check: async () => ({ host: 'db:5432', pool }) }],
    ]);
    expect((await run(up.readiness())).postgres).toMatchObject({ status: 'up', host: 'db:5432', pool });
    const down = indicatorsFor([
      [
        PrimaryReadiness,
        {
          timeoutMs: 1_000,
          check: () => Promise.reject(new Error('db:5432 is in recovery (not the primary)')),
        },
      ],
    ]);
    expect((await run(down.readiness())).postgres).toMatchObject({ status: 'down' });
    const hung = indicatorsFor([[PrimaryReadiness, { timeoutMs: 50, check: () => new Promise(() => {}) }]]);
    expect((await run(hung.readiness())).postgres).toMatchObject({ status: 'down' });
    // The check owns its deadline (it lets an answer already read win past it): the indicator's own
    // timer is a backstop and does not fail an answer that lands just after timeoutMs.
    const late = indicatorsFor([
      [
        PrimaryReadiness,
        {
          timeoutMs: 50,
          check: () => new Promise((resolve) => setTimeout(() => resolve({ host: 'db:5432' }), 70)),
        },
      ],
    ]);
    expect((await run(late.readiness())).postgres).toMatchObject({ status: 'up' });
  });

  it('workers: a readiness component, down unless running', async () => {
    let state = 'starting';
    const workers = { status: () => ({ state, queues: [] }) };
    const indicators = indicatorsFor([[QueueWorkers, workers]]);
    expect((await run(indicators.readiness())).workers).toEqual({
      status: 'down',
      state: 'starting',
      queues: [],
    });
    state = 'running';
    expect((await run(indicators.readiness())).workers).toEqual({
      status: 'up',
      state: 'running',
      queues: [],
    });
    expect(indicators.details()).toEqual([]);
  });

  it('breakers: degraded while one is open (a real registry)', async () => {
    const config = loadConfig({
      CIRCUIT_BREAKERS: JSON.stringify({ 'webhook:dep-a': { volumeThreshold: 1 } }),
    });
    const breakers = new CircuitBreakerRegistry(config);
    registries.push(breakers);
    const indicators = indicatorsFor([[CircuitBreakerRegistry, breakers]]);
    const breaker = breakers.get('webhook:dep-a');
    expect((await run(indicators.details())).breakers).toMatchObject({
      status: 'up',
      breakers: [{ name: 'webhook:dep-a', state: 'closed' }],
    });
    await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    expect(breaker.state).toBe('open');
    expect((await run(indicators.details())).breakers).toMatchObject({
      status: 'degraded',
      breakers: [{ name: 'webhook:dep-a', state: 'open', failures: 1 }],
    });
  });

  it('database and cache: degraded, never down, when a replica leaves rotation or L2 is cut off', async () => {
    const replicas = [{ name: 'replica-1', inRotation: true, reachable: true }];
    const router = { status: () => ({ primary: { host: 'db:5432' }, replicas }) };
    let l2Breaker = 'closed';
    const cache = { status: () => ({ l1Entries: 3, l1Bytes: 120, l2Breaker }) };
    const indicators = indicatorsFor([
      [ReplicaRouter, router],
      [TieredCache, cache],
    ]);
    expect(await run(indicators.details())).toEqual({
      database: { status: 'up', primary: { host: 'db:5432' }, replicas },
      cache: { status: 'up', l1Entries: 3, l1Bytes: 120, l2Breaker: 'closed' },
    });
    replicas[0].inRotation = false;
    l2Breaker = 'open';
    const detailed = await run(indicators.details());
    expect(detailed.database.status).toBe('degraded');
    expect(detailed.cache).toEqual({ status: 'degraded', l1Entries: 3, l1Bytes: 120, l2Breaker: 'open' });
  });

  it('queues: counts with their high-water marks, degraded past one or without Redis', async () => {
    // Pending (waiting, prioritized, delayed, waiting-children) reaches the mark at 10; active and
    // completed do not count.
    let counts: () => Promise<unknown> = async () => [
      { queue: 'jobs', counts: { waiting: 7, prioritized: 2, active: 1, delayed: 1, completed: 9 } },
      { queue: 'webhooks', counts: { waiting: 1 } },
    ];
    const queues = {
      settings: { jobs: { highWaterMark: 10 }, webhooks: { highWaterMark: 10 } },
      counts: () => counts(),
    };
    const indicators = indicatorsFor([[QueueRegistry, queues]]);
    expect((await run(indicators.details())).queues).toEqual({
      status: 'degraded',
      queues: {
        jobs: { waiting: 7, prioritized: 2, active: 1, delayed: 1, completed: 9, highWaterMark: 10 },
        webhooks: { waiting: 1, highWaterMark: 10 },
      },
      overHighWaterMark: ['jobs'],
    });
    counts = () => Promise.reject(new Error('Redis connection reconnecting'));
    expect((await run(indicators.details())).queues).toEqual({
      status: 'degraded',
      message: 'Redis connection reconnecting',
      jobsHeldIn: 'outbox',
    });
  });

  it('redisMemory: up under the limit, degraded over it or when INFO memory cannot be read', async () => {
    let reading: unknown = { usedBytes: 100, maxBytes: 1_000, limitBytes: 800 };
    const indicators = indicatorsFor([[RedisMemory, { status: async () => reading }]]);
    expect((await run(indicators.details())).redisMemory).toEqual({
      status: 'up',
      usedBytes: 100,
      maxBytes: 1_000,
      limitBytes: 800,
    });
    reading = { usedBytes: 900, maxBytes: 1_000, limitBytes: 800 };
    expect((await run(indicators.details())).redisMemory).toEqual({
      status: 'degraded',
      usedBytes: 900,
      maxBytes: 1_000,
      limitBytes: 800,
      message: 'new jobs are refused (503 redis_memory_high)',
    });
    reading = { usedBytes: 900, maxBytes: 0, limitBytes: null };
    expect((await run(indicators.details())).redisMemory.status).toBe('up');
    reading = undefined;
    expect((await run(indicators.details())).redisMemory).toEqual({
      status: 'degraded',
      message: 'INFO memory could not be read',
    });
  });
});
