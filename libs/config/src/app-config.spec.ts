import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, loadConfig } from './app-config';
import { BREAKER_FAMILIES, BREAKERS } from './breaker-options';
import { capToCpus } from './scale-presets';
import { parseTrustProxy } from './trust-proxy';

describe('loadConfig', () => {
  it('works with no variables at all (local defaults)', () => {
    const config = loadConfig({});
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/platform');
    expect(config.database.replicaUrls).toEqual([]);
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.http.port).toBe(3000);
    expect(config.http.workerPort).toBe(3001);
    expect(config.http.trustProxy).toBe(false);
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        SCALE_PROFILE: 'huge',
        TRUST_PROXY: '10.0.0.0/99',
        ADMIN_TOKEN: 'short',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'SCALE_PROFILE', 'ADMIN_TOKEN'])
      expect(message).toContain(name);
  });

  it('reports structured and cross-field problems together with the per-variable ones', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'not-an-ip', ADMIN_USER: 'ops' })).toThrow(
      /TRUST_PROXY[\s\S]*ADMIN_USER/,
    );
    expect(() => loadConfig({ PORT: 'x', CIRCUIT_BREAKERS: 'nope', ADMIN_USER: 'ops' })).toThrow(
      /PORT[\s\S]*CIRCUIT_BREAKERS[\s\S]*ADMIN_USER/,
    );
  });

  it('applies scale presets, and explicit variables override them', () => {
    expect(loadConfig({ SCALE_PROFILE: 'large' }).database.poolSize).toBe(50);
    expect(loadConfig({ SCALE_PROFILE: 'xl' }).redis.connections).toBe(200);
    expect(loadConfig({ SCALE_PROFILE: 'medium' }).queue.concurrency).toBe(20);
    expect(loadConfig({ SCALE_PROFILE: 'large', DB_POOL_SIZE: '7' }).database.poolSize).toBe(7);
  });

  it('never runs more API processes than CPUs', () => {
    expect(capToCpus(32, 2)).toBe(2);
    expect(capToCpus(4, 8)).toBe(4);
    expect(capToCpus(0, 8)).toBe(1);
    expect(loadConfig({ SCALE_PROFILE: 'xl' }).http.apiProcesses).toBeLessThanOrEqual(availableParallelism());
  });

  it('parses replica lists and circuit breaker overrides', () => {
    const config = loadConfig({
      DATABASE_REPLICA_URLS: 'postgres://a:5433/x, postgres://b:5434/x',
      CIRCUIT_BREAKERS: '{"redis-throttle":{"resetTimeoutMs":500}}',
    });
    expect(config.database.replicaUrls).toEqual(['postgres://a:5433/x', 'postgres://b:5434/x']);
    expect(config.circuitBreakers['redis-throttle']?.resetTimeoutMs).toBe(500);
    expect(() => loadConfig({ CIRCUIT_BREAKERS: '{"redis-throttle":{"bogus":1}}' })).toThrow(
      /CIRCUIT_BREAKERS/,
    );
  });
});

describe('breaker and queue overrides', () => {
  const bootError = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      return (error as Error).message;
    }
    throw new Error('expected loadConfig to refuse the environment');
  };

  it('parses known breaker names, fixed and per-instance, into the typed record', () => {
    const config = loadConfig({
      CIRCUIT_BREAKERS: JSON.stringify({
        [BREAKERS.cacheL2]: { timeoutMs: 250 },
        [`${BREAKER_FAMILIES.webhook}hooks.example.com:8443`]: { volumeThreshold: 2 },
        [`${BREAKER_FAMILIES.postgresReplica}db2:5432/main`]: { resetTimeoutMs: 5_000 },
      }),
    });
    expect(config.circuitBreakers).toEqual({
      'cache-l2': { timeoutMs: 250 },
      'webhook:hooks.example.com:8443': { volumeThreshold: 2 },
      'postgres-replica:db2:5432/main': { resetTimeoutMs: 5_000 },
    });
    expect(loadConfig({}).circuitBreakers).toEqual({});
  });

  it('refuses an unknown breaker name, or a family prefix with no instance, at boot', () => {
    expect(bootError({ CIRCUIT_BREAKERS: '{"redis":{"timeoutMs":300}}' })).toMatch(
      /CIRCUIT_BREAKERS: .*unknown breaker "redis" \(known: cache-l2, redis-throttle, redis-write-lsn, postgres-replica:<name>, webhook:<name>\)/,
    );
    expect(bootError({ CIRCUIT_BREAKERS: '{"webhook:":{}}' })).toMatch(/unknown breaker "webhook:"/);
  });

  it('parses known queue names into the typed record and refuses unknown ones at boot', () => {
    const config = loadConfig({ QUEUE_OVERRIDES: '{"webhooks":{"attempts":10}}' });
    expect(config.queue.overrides).toEqual({ webhooks: { attempts: 10 } });
    expect(bootError({ QUEUE_OVERRIDES: '{"webhook":{"attempts":10}}' })).toMatch(
      /QUEUE_OVERRIDES: .*unknown queue "webhook" \(known: recommendations, webhooks, jobs\)/,
    );
  });

  it('reports bad names in the same message as every other bad variable', () => {
    const message = bootError({
      PORT: 'eighty',
      CIRCUIT_BREAKERS: '{"cache_l2":{}}',
      QUEUE_OVERRIDES: '{"job":{}}',
      ADMIN_USER: 'ops',
    });
    expect(message).toMatch(
      /PORT: [\s\S]*CIRCUIT_BREAKERS: .*"cache_l2"[\s\S]*QUEUE_OVERRIDES: .*"job"[\s\S]*ADMIN_USER/,
    );
  });
});

describe('parseTrustProxy', () => {
  it('is off by default and accepts hop counts and address lists', () => {
    expect(parseTrustProxy('')).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('10.0.0.0/8, 127.0.0.1, ::1')).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
    expect(parseTrustProxy('10.0.0.0/33')).toBeInstanceOf(Error);
    expect(parseTrustProxy('example.com')).toBeInstanceOf(Error);
  });
});

describe('job limits', () => {
  it('turns diagnostics.* jobs off in production unless JOBS_DIAGNOSTICS says otherwise', () => {
    expect(loadConfig({}).jobs.diagnostics).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).jobs.diagnostics).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', JOBS_DIAGNOSTICS: 'true' }).jobs.diagnostics).toBe(true);
    expect(loadConfig({ JOBS_DIAGNOSTICS: 'false' }).jobs.diagnostics).toBe(false);
  });

  it('defaults the per-key cap and the memory guard, and checks their ranges', () => {
    const config = loadConfig({});
    expect(config.jobs.maxPendingPerKey).toBe(1_000);
    expect(config.redis.memoryGuardRatio).toBe(0.8);
    expect(() => loadConfig({ REDIS_MEMORY_GUARD_RATIO: '1.5' })).toThrow(/REDIS_MEMORY_GUARD_RATIO/);
    expect(() => loadConfig({ JOBS_MAX_PENDING_PER_KEY: '0' })).toThrow(/JOBS_MAX_PENDING_PER_KEY/);
  });
});

describe('production defaults', () => {
  it('closes docs, CORS and the public /metrics in production; development keeps docs and /metrics', () => {
    const production = loadConfig({ NODE_ENV: 'production' });
    expect(production.http).toMatchObject({ docsEnabled: false, corsOrigins: [], metricsPort: 3002 });
    const development = loadConfig({});
    expect(development.http).toMatchObject({ docsEnabled: true, corsOrigins: [], metricsPort: undefined });
    expect(development.http.timeouts).toEqual({
      requestMs: 30_000,
      connectionMs: 60_000,
      keepAliveMs: 72_000,
    });
  });

  it('opens each one with its variable', () => {
    const open = loadConfig({
      NODE_ENV: 'production',
      DOCS_ENABLED: 'true',
      CORS_ORIGINS: 'https://app.example.com',
      METRICS_PORT: '9464',
    });
    expect(open.http).toMatchObject({
      docsEnabled: true,
      corsOrigins: ['https://app.example.com'],
      metricsPort: 9464,
    });
  });

  it('refuses a metrics port equal to the public one, and a CORS wildcard', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PORT: '3002' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ PORT: '8080', METRICS_PORT: '8080' })).toThrow(/METRICS_PORT/);
    // PORT unset: its default (3000) is what the metrics port must differ from.
    expect(() => loadConfig({ METRICS_PORT: '3000' })).toThrow(/METRICS_PORT: must differ from PORT/);
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });
});
