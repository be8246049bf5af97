import { SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { isTracingEnabled } from './start-tracing';

const tracer = () => trace.getTracer('platform');

/**
 * Runs `work` in a span of its own (a child of the active one), recording a failure as the span's
 * error. With tracing off it is a plain call: no span object, no context switch.
 */
export async function withSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  if (!isTracingEnabled()) return work();
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
