import { HealthIndicatorService } from '@nestjs/terminus';
import { register, type Counter, type Gauge } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@platform/config';
import { HealthDetailsRegistry } from '@platform/health';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';
import { isBreakerOpenError } from './named-breaker';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function makeRegistry(overrides = '{}') {
  const config = loadConfig({ CIRCUIT_BREAKERS: overrides });
  const details = new HealthDetailsRegistry();
  const registry = new CircuitBreakerRegistry(config, details, new HealthIndicatorService());
  registry.onModuleInit();
  return { registry, details };
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
    const { registry, details } = makeRegistry(
      JSON.stringify({ 'dep-a': { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 300 } }),
    );
    registries.push(registry);
    const breaker = registry.get('dep-a');
    expect(await stateMetric('dep-a')).toBe(0);

    for (let i = 0; i < 3; i += 1) await expect(breaker.execute(failing)).rejects.toThrow('dependency down');
    expect(breaker.state).toBe('closed'); // under the volume threshold
    await expect(breaker.execute(failing)).rejects.toThrow('dependency down');
    expect(breaker.state).toBe('open');
    expect(await stateMetric('dep-a')).toBe(2);

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
    expect(await eventCount('dep-a', 'reject')).toBeGreaterThanOrEqual(2);
    expect(await eventCount('dep-a', 'fallback')).toBeGreaterThanOrEqual(1);

    const listed = registry.list().find((b) => b.name === 'dep-a');
    expect(listed).toMatchObject({ state: 'open', failures: 4 });
    const indicator = details.all()[0] as () => Promise<Record<string, { status: string }>>;
    const health = await indicator();
    expect(health.breakers.status).toBe('degraded');

    await sleep(400);
    expect(breaker.state).toBe('half-open');
    expect(await stateMetric('dep-a')).toBe(1);
    expect(await breaker.execute(ok)).toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(await stateMetric('dep-a')).toBe(0);
    expect(await eventCount('dep-a', 'close')).toBe(1);
  });

  it('a failed probe while half-open opens it again', async () => {
    const { registry } = makeRegistry(
      JSON.stringify({ 'dep-b': { volumeThreshold: 1, resetTimeoutMs: 200 } }),
    );
    registries.push(registry);
    const breaker = registry.get('dep-b');
    await breaker.execute(failing).catch(() => undefined);
    expect(breaker.state).toBe('open');
    await sleep(300);
    expect(breaker.state).toBe('half-open');
    await breaker.execute(failing).catch(() => undefined);
    expect(breaker.state).toBe('open');
  });

  it('a second outage soon after the first still opens it (rejects while open do not dilute the rate)', async () => {
    const { registry } = makeRegistry(
      JSON.stringify({ 'dep-c': { volumeThreshold: 5, resetTimeoutMs: 200, rollingCountTimeoutMs: 10_000 } }),
    );
    registries.push(registry);
    const breaker = registry.get('dep-c');
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
    const { registry } = makeRegistry(JSON.stringify({ 'dep-d': { timeoutMs: 50 } }));
    registries.push(registry);
    const breaker = registry.get('dep-d', { timeoutMs: 5_000, volumeThreshold: 1 });
    const slow = () => sleep(500).then(() => 'late');
    const started = performance.now();
    await expect(breaker.execute(slow)).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(400);
    expect(breaker.state).toBe('open');
    expect(registry.get('dep-d')).toBe(breaker); // one breaker per name
  });
});
