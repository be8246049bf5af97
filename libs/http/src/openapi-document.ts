import type { OpenAPIObject } from '@nestjs/swagger';
import { ERROR_BODY_COMPONENT, errorBodyComponentSchema, errorResponse } from './openapi';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** Fastify reads a body on these methods whatever the route declares, so parsing errors can occur. */
const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);

/**
 * Adds the error responses the request pipeline gives on every route of a kind, so no controller
 * has to remember them and a new route is documented right: load shedding (503) on every route;
 * auth and the failed-auth bucket (401, 429) where a security scheme applies, a suspended tenant
 * (403) where it is the API key; JSON parsing and the
 * body limit (400, 413, 415) on every method that carries a body; the router's parameter length
 * limit (414) where a path has parameters. Also registers the `ErrorBody` schema every error
 * response refers to, and documents the headers the pipeline sets: `X-Request-Id` on every answer,
 * `Retry-After` on 429 and 503, `RateLimit-*` on API-key routes, `ETag`/`X-Cache`/`Cache-Control` on
 * cached reads (the routes that document a 304).
 */
export function addPipelineResponses(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    [ERROR_BODY_COMPONENT]: errorBodyComponentSchema(),
  };
  document.components.headers = { ...document.components.headers, ...PIPELINE_HEADERS };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const statuses = [503];
      const security = operation.security ?? document.security ?? [];
      if (security.length > 0) statuses.push(401, 429);
      // An API key whose tenant is suspended is known but refused.
      if (security.some((requirement) => 'api-key' in requirement)) statuses.push(403);
      if (operation.requestBody || BODY_METHODS.has(method)) statuses.push(400, 413, 415);
      if (path.includes('{')) statuses.push(414);
      for (const status of statuses) addError(operation, status);
      addHeaders(
        operation,
        security.some((requirement) => 'api-key' in requirement),
      );
    }
  }
  return document;
}

function addError(operation: Operation, status: number): void {
  operation.responses[status] ??= errorResponse(status);
}

const header = (description: string, schema: { type: 'string' | 'integer' }) => ({ description, schema });
const PIPELINE_HEADERS = {
  'X-Request-Id': header('The request id (yours from x-request-id, or generated); in every log line', {
    type: 'string',
  }),
  'Retry-After': header('Seconds to wait before retrying', { type: 'integer' }),
  'RateLimit-Limit': header("The caller's bucket size (its tier's burst)", { type: 'integer' }),
  'RateLimit-Remaining': header('Tokens left after this request', { type: 'integer' }),
  'RateLimit-Reset': header('Seconds until the bucket is full again', { type: 'integer' }),
  ETag: header('Strong tag of the exact body; send it back in If-None-Match for a 304', { type: 'string' }),
  'X-Cache': header('HIT-L1 | HIT-L2 | MISS: where the answer came from', { type: 'string' }),
  'Cache-Control': header('private, no-cache on per-caller and per-tenant data', { type: 'string' }),
};
const ref = (name: keyof typeof PIPELINE_HEADERS) => ({ $ref: `#/components/headers/${name}` });

function addHeaders(operation: Operation, rateLimited: boolean): void {
  const cached = '304' in operation.responses;
  for (const [status, response] of Object.entries(operation.responses)) {
    if (!response || '$ref' in response) continue;
    const code = Number(status);
    const names: Array<keyof typeof PIPELINE_HEADERS> = ['X-Request-Id'];
    if (code === 429 || code === 503) names.push('Retry-After');
    if (rateLimited && (code < 300 || code === 304 || code === 429)) {
      names.push('RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset');
    }
    if (cached && (code === 200 || code === 304)) names.push('ETag', 'X-Cache', 'Cache-Control');
    response.headers = { ...response.headers, ...Object.fromEntries(names.map((name) => [name, ref(name)])) };
  }
}
