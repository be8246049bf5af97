export { createLogger, plainLogger, REDACTED_PATHS, type LoggerSettings } from './logger';
export { PinoNestLogger } from './nest-logger';
export { requestContext, currentRequestId, type RequestContext } from './request-context';
export { MetricsModule } from './metrics.module';
export { httpDurationHistogram, HTTP_DURATION_METRIC, UNMATCHED_ROUTE } from './http-metrics';
export { serveClusterMetrics, ClusterAwareMetricsController } from './cluster-metrics';
export {
  startTracing,
  isTracingEnabled,
  captureJobTrace,
  requestIdOfJob,
  runWithJobTrace,
  withSpan,
  bullmqTelemetry,
  nameServerSpanAfterRoute,
  type Tracing,
  type TracingOptions,
} from './tracing';
export { sharedMetric } from './shared-metric';
