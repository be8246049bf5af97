import { context, propagation } from '@opentelemetry/api';
import { currentRequestId, requestContext } from '../request-context';
import { isTracingEnabled } from './start-tracing';

/** Carried beside the W3C fields (traceparent, tracestate) in a job's trace metadata. */
const REQUEST_ID = 'x-request-id';

/**
 * What a job carries from the request that started it: the request id (always) and the W3C trace
 * context (when tracing is on), as a JSON carrier. It travels in the outbox row and in BullMQ's
 * `opts.telemetry.metadata`, the slot BullMQ reserves for context propagation, so the payload stays
 * what its contract says. Undefined outside a request and a trace.
 */
export function captureJobTrace(): string | undefined {
  const requestId = currentRequestId();
  const carrier: Record<string, string> = requestId ? { [REQUEST_ID]: requestId } : {};
  if (isTracingEnabled()) propagation.inject(context.active(), carrier);
  for (const _ in carrier) return JSON.stringify(carrier);
  return undefined;
}

/** The request id a job's trace metadata names, if any. */
export function requestIdOfJob(metadata: string | undefined): string | undefined {
  if (!metadata) return undefined;
  try {
    const id = (JSON.parse(metadata) as Record<string, unknown>)[REQUEST_ID];
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a job's handler as its request ran: every log line it writes names the request id. (Its
 * spans join the request's trace through BullMQ's telemetry, which reads the same metadata.)
 */
export function runWithJobTrace<T>(metadata: string | undefined, work: () => T): T {
  const requestId = requestIdOfJob(metadata);
  return requestId ? requestContext.run({ requestId }, work) : work();
}
