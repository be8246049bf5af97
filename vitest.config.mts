import { resolve } from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// esbuild emits no decorator metadata, which Nest's injection needs; swc does.
const plugins = [
  swc.vite({
    tsconfigFile: false,
    swcrc: false,
    module: { type: 'es6' },
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
  }),
];
/**
 * The integration tests that claim something about Redis keys and scripts (queue, cache, throttle and
 * the domain flow), run again by the `scale-out` project against a private Redis Cluster.
 */
const ON_REDIS_CLUSTER = [
  'libs/cache/test/tiered-cache.test.ts',
  'libs/throttling/test/redis-token-bucket.test.ts',
  'apps/api/test/cache.test.ts',
  'apps/api/test/throttling.test.ts',
  'apps/api/test/jobs.test.ts',
  'apps/api/test/jobs-limits.test.ts',
  'apps/worker/test/outbox-relay.test.ts',
  'apps/worker/test/recommendations-e2e.test.ts',
];

const resolveAliases = {
  alias: [{ find: /^@platform\/([a-z-]+)$/, replacement: resolve(import.meta.dirname, 'libs/$1/src') }],
};

export default defineConfig({
  plugins,
  resolve: resolveAliases,
  test: {
    projects: [
      {
        plugins,
        resolve: resolveAliases,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'scripts/**/*.spec.ts', 'bench/**/*.spec.ts'],
        },
      },
      {
        plugins,
        resolve: resolveAliases,
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          // Every /v1 response the tests receive is checked against the OpenAPI document.
          setupFiles: ['test/support/contract/record-responses.ts'],
          include: ['apps/*/test/**/*.test.ts', 'libs/*/test/**/*.test.ts', 'test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two cores: more forks only add contention with the servers the tests start.
          maxWorkers: 2,
        },
      },
      {
        plugins,
        resolve: resolveAliases,
        test: {
          name: 'faults',
          sequence: { groupOrder: 2 },
          include: ['test/faults/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
          fileParallelism: false,
        },
      },
      {
        plugins,
        resolve: resolveAliases,
        test: {
          name: 'scale-out',
          sequence: { groupOrder: 3 },
          // Sentinel, PgBouncer and Postgres failover tests start their own engines; the re-run
          // integration tests share the cluster the global setup starts.
          include: ['test/scale-out/**/*.test.ts', ...ON_REDIS_CLUSTER],
          globalSetup: ['test/scale-out/engines.setup.ts'],
          // The 1000-event burst measures the direct path's write capacity (pool and acquire timeout),
          // not key layout or topology; through the pooler on two shared cores a quarter of it answered
          // 503 database_busy (docs/scale-out.md). Every other test of the re-run files runs.
          testNamePattern: /^(?!.*burst of 1000 events)/,
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // One file at a time: failover timings mean little on two cores shared with another test.
          maxWorkers: 1,
          fileParallelism: false,
        },
      },
    ],
  },
});
