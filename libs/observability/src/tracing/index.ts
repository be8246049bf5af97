export {
  startTracing,
  isTracingEnabled,
  nameServerSpanAfterRoute,
  type Tracing,
  type TracingOptions,
} from './start-tracing';
export { captureJobTrace, requestIdOfJob, runWithJobTrace } from './job-trace';
export { withSpan } from './spans';
export { bullmqTelemetry } from './bullmq-telemetry';
