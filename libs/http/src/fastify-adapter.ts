import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Histogram } from 'prom-client';
import type { AppConfig, TrustProxy } from '@platform/config';
import { httpDurationHistogram, plainLogger, requestContext, UNMATCHED_ROUTE } from '@platform/observability';
import { toErrorResponse } from './error-envelope';
import { requestIdFor } from './request-id';

/**
 * The Fastify adapter both apps use: body limit, request ids, one access-log line and one histogram
 * observation per request. Fastify's own errors (body limit, bad JSON) reach Nest's exception filter.
 */
export function createFastifyAdapter(config: AppConfig, logger: Logger): FastifyAdapter {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: fastifyTrustProxy(config.http.trustProxy),
    genReqId: requestIdFor,
    logger: false,
    // Keep-alive sockets with no request in flight are closed at shutdown so close() does not wait on them.
    forceCloseConnections: 'idle',
    ...serverTimeouts(config.http.timeouts),
    return503OnClosing: true,
    // Router-level failures (a malformed URL, a path parameter past maxParamLength) happen before any
    // hook or Nest handler; answer them in the same JSON envelope.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const { status, body, headers } = toErrorResponse(error, request.id);
      void reply
        .code(status)
        .headers({ ...headers, 'x-request-id': request.id })
        .send(body);
    },
  });
  installHooks(adapter.getInstance(), logger);
  return adapter;
}

function installHooks(fastify: FastifyInstance, logger: Logger): void {
  const durations = boundHistogram(httpDurationHistogram());
  // Its fields are fixed and carry no credential: no redaction paths to walk on every line.
  const accessLog = plainLogger(logger, { component: 'http' });

  // JSON is the only body type the API speaks; without this Fastify would also accept text/plain.
  fastify.removeContentTypeParser(['text/plain', 'application/json']);
  // Fastify's JSON parser (prototype-poisoning checks included), except that an empty body with a JSON
  // content type means "no body": clients often send the header on DELETE. Routes that need a body
  // still reject it in validation.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    void parseJson(request, text, done);
  });

  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });

  // Run the handler (Nest's guards, pipes, controller) inside the request's context so every log
  // line it writes names the request. preHandler runs after body parsing, which would lose the context.
  fastify.addHook('preHandler', (request, _reply, done) => {
    requestContext.run({ requestId: request.id }, done);
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const seconds = reply.elapsedTime / 1000;
    durations(request.method, route, reply.statusCode).observe(seconds);
    if (accessLog.isLevelEnabled('info')) {
      accessLog.info(
        {
          requestId: request.id,
          method: request.method,
          route,
          url: request.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request',
      );
    }
    done();
  });
}

/**
 * The histogram's child for (method, route, status), bound on first use: prom-client would otherwise
 * hash a label object on every observation. Routes are templates (or "unmatched"), so the map is small.
 */
function boundHistogram(histogram: Histogram<'method' | 'route' | 'status_code'>) {
  const children = new Map<string, Histogram.Internal<'method' | 'route' | 'status_code'>>();
  return (method: string, route: string, status: number) => {
    const id = `${method} ${status} ${route}`;
    let child = children.get(id);
    if (!child) children.set(id, (child = histogram.labels(method, route, String(status))));
    return child;
  };
}

/**
 * Node's server timeouts (Fastify leaves the first two off):
 * - requestTimeout: the whole request (headers and body) must arrive within it, or 408 and close, so
 *   slow or stalled senders cannot hold sockets. Node checks every 30 s by default, which would let a
 *   30 s limit run to 60 s: check every second instead.
 * - connectionTimeout: a socket silent this long while a request is open (or before its first
 *   byte) is destroyed. Above the longest legitimate handler (statement timeout, pool wait).
 * - keepAliveTimeout: how long an idle keep-alive socket waits for the next request. It must be
 *   longer than the idle timeout of the load balancer in front, so the balancer always closes idle
 *   connections first; otherwise it can send a request on a socket we are closing (a 502 to the client).
 */
function serverTimeouts(timeouts: AppConfig['http']['timeouts']) {
  return {
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.connectionMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    ...(timeouts.requestMs > 0
      ? { http: { connectionsCheckingInterval: Math.min(1_000, timeouts.requestMs) } }
      : {}),
  };
}

/** A hop count trusts that many proxies nearest to us (Fastify's own meaning of a number). */
function fastifyTrustProxy(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust;
}
