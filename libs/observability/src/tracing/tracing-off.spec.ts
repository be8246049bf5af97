import { tracingChannel } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { requestContext } from '../request-context';
import { bullmqTelemetry } from './bullmq-telemetry';
import { captureJobTrace, requestIdOfJob, runWithJobTrace } from './job-trace';
import { withSpan } from './spans';
import { isTracingEnabled, startTracing } from './start-tracing';

describe('tracing off (no OTEL_* exporter configured)', () => {
  it('loads no SDK and installs nothing', async () => {
    expect(startTracing({ enabled: false, serviceName: 'test' })).toBeUndefined();
    expect(isTracingEnabled()).toBe(false);
    const loaded = Object.keys(createRequire(__filename).cache);
    expect(loaded.filter((path) => /@opentelemetry[\\/](sdk-node|instrumentation)/.test(path))).toEqual([]);
    // Fastify runs its handler diagnostics only for subscribers: none, so its fast path is untouched.
    expect(tracingChannel('fastify.request.handler').start.hasSubscribers).toBe(false);
    expect(bullmqTelemetry()).toBeUndefined();
    expect(await withSpan('work', {}, async () => trace.getActiveSpan())).toBeUndefined();
  });

  it('still carries the request id into the jobs a request starts', () => {
    expect(captureJobTrace()).toBeUndefined();
    const metadata = requestContext.run({ requestId: 'req-1' }, () => captureJobTrace());
    expect(metadata).toBe('{"x-request-id":"req-1"}');
    expect(requestIdOfJob(metadata)).toBe('req-1');
    expect(runWithJobTrace(metadata, () => requestContext.getStore()?.requestId)).toBe('req-1');
    expect(runWithJobTrace(undefined, () => requestContext.getStore())).toBeUndefined();
    expect(requestIdOfJob('not json')).toBeUndefined();
  });
});
