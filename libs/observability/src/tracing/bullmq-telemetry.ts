import { createRequire } from 'node:module';
import type { Telemetry } from 'bullmq';
import type * as BullMQOtelModule from 'bullmq-otel';
import { isTracingEnabled } from './start-tracing';

let telemetry: Telemetry | undefined;

/**
 * BullMQ's own OpenTelemetry integration (bullmq-otel, by BullMQ's authors): producer spans for
 * add/addBulk/flows, a consumer span per processed job whose parent is read from the job's trace
 * metadata. Pass it as `telemetry` to Queue, FlowProducer and Worker; undefined while tracing is off,
 * so BullMQ then does no tracing work at all.
 */
export function bullmqTelemetry(): Telemetry | undefined {
  if (!isTracingEnabled()) return undefined;
  if (!telemetry) {
    const { BullMQOtel } = createRequire(__filename)('bullmq-otel') as typeof BullMQOtelModule;
    telemetry = new BullMQOtel({ tracerName: 'bullmq' });
  }
  return telemetry;
}
