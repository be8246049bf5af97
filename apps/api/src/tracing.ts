import { loadDotEnv, loadTracingSettings } from '@platform/config';
import { startTracing } from '@platform/observability';

/**
 * Imported first by main.ts: OpenTelemetry has to patch http, pg and ioredis before anything loads
 * them. Off (none of the SDK loaded, nothing installed) unless OTEL_* configures an exporter.
 */
loadDotEnv();
const settings = loadTracingSettings();
export const tracing = startTracing({
  enabled: settings.enabled,
  serviceName: settings.serviceName ?? 'platform-api',
});

/** Exits once the spans still buffered are exported (bounded: the exporter has its own timeout). */
export function exitAfterFlush(code: number): void {
  void (tracing?.shutdown() ?? Promise.resolve()).finally(() => process.exit(code));
}
