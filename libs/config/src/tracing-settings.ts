import { z } from 'zod';

/**
 * The standard OpenTelemetry variables that decide whether traces are exported. Tracing is off
 * unless an exporter is configured: an OTLP endpoint, or OTEL_TRACES_EXPORTER other than `none`.
 * Every other OTEL_* variable (protocol, headers, sampler, resource attributes) is read by the
 * OpenTelemetry SDK itself, as its specification says.
 */
export const tracingEnvShape = {
  OTEL_SDK_DISABLED: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  OTEL_TRACES_EXPORTER: z.string().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
};
const tracingEnvSchema = z.object(tracingEnvShape);
type TracingEnv = z.infer<typeof tracingEnvSchema>;

export type TracingSettings = ReturnType<typeof toTracingSettings>;

export function toTracingSettings(e: TracingEnv) {
  const exporter = e.OTEL_TRACES_EXPORTER?.trim();
  const configured =
    exporter !== undefined && exporter !== ''
      ? exporter !== 'none'
      : Boolean(e.OTEL_EXPORTER_OTLP_ENDPOINT || e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  return {
    enabled: configured && !e.OTEL_SDK_DISABLED,
    /** OTEL_SERVICE_NAME; each app falls back to its own name. */
    serviceName: e.OTEL_SERVICE_NAME,
  };
}

/**
 * Read before anything else loads (instrumentation must patch pg, ioredis and http first), so it
 * cannot wait for the whole config. An invalid value turns tracing off here; loadConfig then
 * refuses to boot and names it.
 */
export function loadTracingSettings(env: Record<string, string | undefined> = process.env): TracingSettings {
  const parsed = tracingEnvSchema.safeParse(env);
  return parsed.success ? toTracingSettings(parsed.data) : { enabled: false, serviceName: undefined };
}
