import { z } from 'zod';
import { complete, env, envShape, readDeclared, type Declaration, type Declared } from './declaration';

/**
 * The standard OpenTelemetry variables that decide whether traces are exported. Tracing is off
 * unless an exporter is configured: an OTLP endpoint, or OTEL_TRACES_EXPORTER other than `none`.
 * Every other OTEL_* variable (protocol, headers, sampler, resource attributes) is read by the
 * OpenTelemetry SDK itself, as its specification says. The `tracing` section of configDeclaration.
 */
export const tracingDeclaration = {
  /** Whether traces are exported; decided by these four variables together (toTracingSettings). */
  enabled: {
    sdkDisabled: env(
      'OTEL_SDK_DISABLED',
      z
        .enum(['true', 'false'])
        .default('false')
        .transform((v) => v === 'true'),
    ),
    exporter: env('OTEL_TRACES_EXPORTER', z.string().optional()),
    endpoint: env('OTEL_EXPORTER_OTLP_ENDPOINT', z.url().optional()),
    tracesEndpoint: env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', z.url().optional()),
  },
  /** OTEL_SERVICE_NAME; each app falls back to its own name. */
  serviceName: env('OTEL_SERVICE_NAME', z.string().min(1).optional()),
} satisfies Declaration;
const tracingEnvSchema = z.object(envShape(tracingDeclaration));

export type TracingSettings = ReturnType<typeof toTracingSettings>;

/** `enabled` is derived: no one variable turns tracing on. */
export function toTracingSettings(t: Declared<typeof tracingDeclaration>) {
  const { sdkDisabled, exporter, endpoint, tracesEndpoint } = t.enabled;
  const chosen = exporter?.trim();
  const configured =
    chosen !== undefined && chosen !== '' ? chosen !== 'none' : Boolean(endpoint || tracesEndpoint);
  return complete(t, { enabled: configured && !sdkDisabled });
}

/**
 * Read before anything else loads (instrumentation must patch pg, ioredis and http first), so it
 * cannot wait for the whole config. An invalid value turns tracing off here; loadConfig then
 * refuses to boot and names it.
 */
export function loadTracingSettings(env: Record<string, string | undefined> = process.env): TracingSettings {
  const parsed = tracingEnvSchema.safeParse(env);
  return parsed.success
    ? toTracingSettings(readDeclared(tracingDeclaration, parsed.data))
    : { enabled: false, serviceName: undefined };
}
