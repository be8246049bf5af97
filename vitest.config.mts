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
    ],
  },
});
