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
 * response refers to.
 */
export function addPipelineResponses(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    [ERROR_BODY_COMPONENT]: errorBodyComponentSchema(),
  };
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
    }
  }
  return document;
}

function addError(operation: Operation, status: number): void {
  operation.responses[status] ??= errorResponse(status);
}
