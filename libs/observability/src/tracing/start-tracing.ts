import { subscribe } from 'node:diagnostics_channel';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { context } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type * as SdkNode from '@opentelemetry/sdk-node';
import type * as Http from '@opentelemetry/instrumentation-http';
import type * as Pg from '@opentelemetry/instrumentation-pg';
import type * as IORedis from '@opentelemetry/instrumentation-ioredis';
import type * as Core from '@opentelemetry/core';

export interface TracingOptions {
  enabled: boolean;
  serviceName: string;
  /** Tests: where spans go (an in-memory exporter). Otherwise the SDK builds the exporter from OTEL_*. */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Flushes pending spans and removes the instrumentation. */
  shutdown(): Promise<void>;
}

let active = false;
/** Names the current request's server span after its route; set while tracing is on. */
let nameServerSpan: ((route: string) => void) | undefined;

/** True once startTracing ran with tracing on: code that would only feed spans checks this first. */
export function isTracingEnabled(): boolean {
  return active;
}

// Probes and scrapes are polled constantly and say nothing about a request's path through the system.
const UNTRACED_PATHS = new Set(['/health', '/readyz', '/metrics']);

/**
 * Starts OpenTelemetry tracing: HTTP server and client spans (route-named), Postgres and Redis spans,
 * W3C trace-context propagation, export by the standard OTEL_* variables (OTLP by default). Must run
 * before pg, ioredis and fastify are loaded, so each app imports its `tracing.ts` first. When tracing
 * is off this loads none of the SDK and installs nothing: no hook, no wrapper, no context manager.
 */
export function startTracing(options: TracingOptions): Tracing | undefined {
  if (!options.enabled || active) return undefined;
  // Loaded only here, so that an app without OTEL_* configured never loads the SDK.
  const load = createRequire(__filename);
  const { NodeSDK } = load('@opentelemetry/sdk-node') as typeof SdkNode;
  const { HttpInstrumentation } = load('@opentelemetry/instrumentation-http') as typeof Http;
  const { PgInstrumentation } = load('@opentelemetry/instrumentation-pg') as typeof Pg;
  const { IORedisInstrumentation } = load('@opentelemetry/instrumentation-ioredis') as typeof IORedis;
  const core = load('@opentelemetry/core') as typeof Core;

  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    // Traces only: metrics stay with Prometheus, logs with pino.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) =>
          UNTRACED_PATHS.has((request.url ?? '').split('?')[0]),
      }),
      // Only inside a trace: pool probes and replica health checks alone would flood the exporter.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  // The instrumentation patches node:http's CommonJS exports when they are required; require them
  // now, then publish the patched functions to ES-module importers of the named exports too.
  load('node:http');
  load('node:https');
  syncBuiltinESMExports();
  nameServerSpansByRoute(core);
  active = true;
  return {
    shutdown: async () => {
      active = false;
      await sdk.shutdown();
    },
  };
}

/**
 * Fastify announces each matched route on a diagnostics channel; handing its template to the HTTP
 * instrumentation names server spans `GET /v1/users/:userId/recommendations` (and sets http.route)
 * instead of `GET`. Subscribed only while tracing is on: Fastify skips the channel without subscribers.
 */
function nameServerSpansByRoute(core: typeof Core): void {
  nameServerSpan = (route) => {
    const rpc = core.getRPCMetadata(context.active());
    if (rpc?.type === core.RPCType.HTTP) rpc.route = route;
  };
  subscribe('tracing:fastify.request.handler:start', (message) => {
    const route = (message as { route?: { url?: string } }).route?.url;
    if (route) nameServerSpan?.(route);
  });
}

/**
 * For requests answered before Fastify's handler (the cached-read fast path answers in a hook, where
 * the route channel never fires): the span gets its route name the same way. A no-op when tracing is off.
 */
export function nameServerSpanAfterRoute(route: string): void {
  nameServerSpan?.(route);
}
