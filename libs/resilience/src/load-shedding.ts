import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '@platform/config';
import { toErrorResponse } from '@platform/http';
import { isProbePath } from './probe-routes';

/**
 * Load shedding, first thing on every request (an onRequest hook, before auth, throttling or any
 * handler work): while the event loop lags or the heap is above its limit, answer 503 + Retry-After
 * at once instead of queueing work the process cannot finish in time. Probes and /metrics are exempt
 * so an overloaded instance still reports its state. A limit of 0 disables that check.
 */
export async function installLoadShedding(
  fastify: FastifyInstance,
  settings: AppConfig['loadShedding'],
): Promise<void> {
  await fastify.register(underPressure, {
    maxEventLoopDelay: settings.maxEventLoopDelayMs,
    maxHeapUsedBytes: settings.maxHeapUsedBytes,
    retryAfter: settings.retryAfterSeconds,
    sampleInterval: 500,
    exposeStatusRoute: false,
    pressureHandler: (request, reply, type) => {
      if (isProbePath(request.url)) return undefined;
      const { body } = toErrorResponse(undefined, request.id);
      void reply
        .status(503)
        .header('retry-after', String(settings.retryAfterSeconds))
        .header('content-type', 'application/json; charset=utf-8');
      const shed = {
        ...body,
        error: 'overloaded',
        message: `The server is overloaded (${type}); retry after the time in Retry-After`,
      };
      // under-pressure sends a non-null return value as the response (its typings say void).
      return shed as unknown as void;
    },
  });
}
