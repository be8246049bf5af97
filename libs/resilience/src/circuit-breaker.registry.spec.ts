import { setTimeout as sleep } from 'node:timers/promises';
import { register, type Counter, type Gauge } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@platform/config';
import { CircuitBreakerRegistry, MAX_DESTINATION_BREAKERS } from './circuit-breaker.registry';
import { isBreakerOpenError } from './named-breaker';

function makeRegistry(overrides = '{}') {
  const config = loadConfig({ CIRCUIT_BREAKERS: overrides });
  const registry = new CircuitBreakerRegistry(config);
  return { registry };
}

async function stateMetric(name: string): Promise<number | undefined> {
  const gauge = register.getSingleMetric('circuit_breaker_state') as Gauge | undefined;
  const values = (await gauge?.get())?.values ?? [];
  return values.find((v) => v.labels.breaker === name)?.value;
}

async function eventCount(name: string, event: string): Promise<number> {
  const counter = register.getSingleMetric('circuit_breaker_events_total') as Counter | undefined;
  const values = (await counter?.get())?.values ?? [];
  return values.find((v) => v.labels.breaker === name && v.labels.event === event)?.value ?? 0;
}

const failing = () => Promise.reject(new Error('dependency down'));
const ok = () => Promise.resolve('ok');

describe('CircuitBreakerRegistry (opossum, real timers)', () => {
  const registries: CircuitBreakerRegistry[] = [];
  afterEach(() => {
    for (const r of registries.splice(0)) r.onApplicationShutdown();
  });

  it('opens past its threshold, fails fast while open, half-opens after the reset timeout, closes on success', async () => {
    const { registry } = makeRegistry(
      JSON.stringify({
        'postgres-replica:dep-a': { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 300 },
      }),
    );
    registries.push(registry);
    const breaker = registry.get('postgres-replica:dep-a');
    expect(await stateMetric('postgres-replica:dep-a')).toBe(0);

    for (let i = 0; i < 3; i += 1) await expect(breaker.execute(failing)).rejects.toThrow('dependency down');
    expect(breaker.state).toBe('closed'); // under the volume threshold
    await expect(breaker.execute(failing)).rejects.toThrow('dependency down');
    expect(breaker.state).toBe('open');
    expect(await stateMetric('postgres-replica:dep-a')).toBe(2);

    let called = false;
    const rejected = await breaker.execute(async () => (called = true)).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(isBreakerOpenError(rejected)).toBe(true);
    expect(
      await breaker.execute(
        async () => 'live',
        () => 'fallback',
      ),
    ).toBe('fallback');
    expect(await eventCount('postgres-replica:dep-a', 'reject')).toBeGreaterThanOrEqual(2);
    expect(await eventCount('postgres-replica:dep-a', 'fallback')).toBeGreaterThanOrEqual(1);

    // What /health/detailed shows: libs/health reports `breakers` degraded while any is not closed.
    const listed = registry.list().find((b) => b.name === 'postgres-replica:dep-a');
    expect(listed).toMatchObject({ state: 'open', failures: 4 });
    expect(registry.list().filter((b) => b.state !== 'closed')).toEqual([listed]);

    await sleep(400);
    expect(breaker.state).toBe('half-open');
    expect(await stateMetric('postgres-replica:dep-a')).toBe(1);
    expect(await breaker.execute(ok)).toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(await stateMetric('postgres-replica:dep-a')).toBe(0);
    expect(await eventCount('postgres-replica:dep-a', 'close')).toBe(1);
  });

  it('a failed probe while half-open opens it again', async () => {
    const { registry } = makeRegistry(
      JSON.stringify({ 'postgres-replica:dep-b': { volumeThreshold: 1, resetTimeoutMs: 200 } }),
    );
    registries.push(registry);
    const breaker = registry.get('postgres-replica:dep-b');
    await breaker.execute(failing).catch(() => undefined);
    expect(breaker.state).toBe('open');
    await sleep(300);
    expect(breaker.state).toBe('half-open');
    await breaker.execute(failing).catch(() => undefined);
    expect(breaker.state).toBe('open');
  });

  it('a second outage soon after the first still opens it (rejects while open do not dilute the rate)', async () => {
    const { registry } = makeRegistry(
      JSON.stringify({
        'postgres-replica:dep-c': { volumeThreshold: 5, resetTimeoutMs: 200, rollingCountTimeoutMs: 10_000 },
      }),
    );
    registries.push(registry);
    const breaker = registry.get('postgres-replica:dep-c');
    for (let i = 0; i < 5; i += 1) await breaker.execute(failing).catch(() => undefined);
    expect(breaker.state).toBe('open');
    // A long outage: many calls meet the open breaker.
    for (let i = 0; i < 200; i += 1) await breaker.execute(ok, () => 'fallback');
    await sleep(300);
    for (let i = 0; i < 20; i += 1) await breaker.execute(ok);
    expect(breaker.state).toBe('closed');
    for (let i = 0; i < 30; i += 1) await breaker.execute(failing).catch(() => undefined);
    expect(breaker.state).toBe('open');
  });

  it('times out slow calls and counts them as failures; options resolve defaults < caller < CIRCUIT_BREAKERS', async () => {
    const { registry } = makeRegistry(JSON.stringify({ 'postgres-replica:dep-d': { timeoutMs: 50 } }));
    registries.push(registry);
    const breaker = registry.get('postgres-replica:dep-d', { timeoutMs: 5_000, volumeThreshold: 1 });
    const slow = () => sleep(500).then(() => 'late');
    const started = performance.now();
    await expect(breaker.execute(slow)).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(400);
    expect(breaker.state).toBe('open');
    expect(registry.get('postgres-replica:dep-d')).toBe(breaker); // one breaker per name
  });

  it('keeps per-destination breakers within a bound: evicted ones are shut down and leave no metric series', async () => {
    const { registry } = makeRegistry();
    registries.push(registry);
    const fixed = registry.get('postgres-replica:dep-fixed');
    const hostBreaker = (i: number) =>
      registry.forDestination(`webhook:host-${i}.example`, { timeoutMs: 11_000, volumeThreshold: 3 });
    const first = hostBreaker(0);
    await first.execute(ok);
    expect(await stateMetric('webhook:host-0.example')).toBe(0);
    const hosts = MAX_DESTINATION_BREAKERS * 5;
    for (let i = 1; i < hosts; i += 1) await hostBreaker(i).execute(ok);

    expect(registry.list().length).toBeLessThanOrEqual(MAX_DESTINATION_BREAKERS + 1);
    // The least recently used went first, its timers stopped with it.
    expect(first.circuit.isShutdown).toBe(true);
    expect(await stateMetric('webhook:host-0.example')).toBeUndefined();
    expect(await eventCount('webhook:host-0.example', 'success')).toBe(0);
    const gauge = register.getSingleMetric('circuit_breaker_state') as Gauge;
    const hostSeries = (await gauge.get()).values.filter((v) =>
      String(v.labels.breaker).startsWith('webhook:'),
    );
    expect(hostSeries.length).toBeLessThanOrEqual(MAX_DESTINATION_BREAKERS);
    // The recent ones are kept with their state; named dependencies are never evicted.
    expect(hostBreaker(hosts - 1)).toBe(hostBreaker(hosts - 1));
    expect(hostBreaker(hosts - 1).circuit.isShutdown).toBe(false);
    expect(registry.get('postgres-replica:dep-fixed')).toBe(fixed);
    expect(fixed.circuit.isShutdown).toBe(false);
    // A host seen again after eviction gets a fresh breaker that works.
    expect(await hostBreaker(0).execute(ok)).toBe('ok');
  });
});
