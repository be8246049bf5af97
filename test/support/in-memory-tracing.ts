import { createRequire } from 'node:module';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '@platform/observability';

/**
 * Import first in a test file (before anything that loads pg, ioredis or fastify): starts the
 * platform's tracing as the apps' tracing.ts does, with spans kept in memory for assertions.
 */
export const spanExporter = new InMemorySpanExporter();
export const tracing = startTracing({
  enabled: true,
  serviceName: 'platform-test',
  spanProcessors: [new SimpleSpanProcessor(spanExporter)],
});

// The apps load their packages with require, which the instrumentation hooks. The test runner loads
// them as ES modules, which it does not see: one require here lets it patch the shared module.
createRequire(__filename)('ioredis');
