import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** What a browser client may send: credentials in headers (no cookies), conditional reads, tracing. */
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'x-api-key',
  'idempotency-key',
  'if-none-match',
  'x-request-id',
  'traceparent',
  'tracestate',
];

/** Response headers a browser script may read beyond the CORS-safelisted ones. */
const EXPOSED_HEADERS = [
  'x-request-id',
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'etag',
  'x-cache',
  'idempotent-replayed',
];

/**
 * CORS for the listed origins only (@fastify/cors); with none listed nothing is registered and no
 * response carries an Access-Control-* header, so browsers keep other sites from calling the API.
 * A preflight from another origin is answered without Access-Control-Allow-Origin (the browser
 * refuses). No credentials mode: API keys and tokens travel in headers, never in cookies.
 */
export async function installCors(fastify: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await fastify.register(cors, {
    origin: [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    credentials: false,
    // Browsers cap it anyway (Chromium: 2 h); 10 minutes keeps a changed allow-list from lingering.
    maxAge: 600,
  });
}
