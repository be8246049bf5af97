import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { addPipelineResponses } from '@platform/http';

/**
 * The API's OpenAPI document: the contract the typed client (clients/platform-api) is generated
 * from. Building it needs no running service (`npm run openapi` uses Nest's preview mode).
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Platform API')
      .setDescription(
        'Versioned REST API. Errors are JSON: { error, message, requestId, fields? }; 429 and 503 carry Retry-After. ' +
          "Every API key belongs to a tenant, and every user id in a request means a user of the caller's tenant: " +
          "another tenant's users, webhook subscriptions and jobs are not found (404, never 403, so existence does not leak). " +
          'Keys of one tenant see the same users, subscriptions and jobs; rate limits stay per key (its tier). ' +
          'A key whose tenant an admin suspended gets 403 tenant_suspended; a revoked key 401. ' +
          'Send `traceparent` (W3C Trace Context) to join your trace when the server exports traces; ' +
          '`x-request-id` is echoed and appears in the logs of the jobs the request starts.',
      )
      .setVersion('1')
      .setLicense('MIT', 'https://opensource.org/licenses/MIT')
      .addServer('/', 'The server that serves this document')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, 'admin-token')
      .build(),
  );
  return addPipelineResponses(document);
}

export const OPENAPI_UI_PATH = '/docs';

/** OpenAPI UI at /docs, JSON at /docs-json. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_UI_PATH.slice(1), app, createOpenApiDocument(app), {
    jsonDocumentUrl: `${OPENAPI_UI_PATH.slice(1)}-json`,
  });
}
