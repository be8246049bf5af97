import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { ApiBodyOptions } from '@nestjs/swagger';
import { z } from 'zod';
import { errorBodySchema, errorExample } from './error-body.schema';

type SchemaObject = Exclude<Extract<ApiBodyOptions, { schema: unknown }>['schema'], { $ref: string }>;

/**
 * OpenAPI 3.0 schema straight from a zod schema: the one that validates a request (`io: 'input'`) or
 * types a response (`io: 'output'`). One source of truth for the code, the document and the client.
 */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): SchemaObject {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete json.$schema;
  return json;
}

export const ApiZodBody = (schema: z.ZodType, options: { description?: string; example?: unknown } = {}) =>
  ApiBody({ schema: { ...openApiSchema(schema), ...exampleOf(options.example) }, ...describe(options) });

/** Documents each property of a zod object schema as a query parameter. */
export function ApiZodQuery(schema: z.ZodObject): MethodDecorator {
  return applyDecorators(
    ...Object.entries(schema.shape).map(([name, field]) =>
      ApiQuery({ name, required: isRequired(field), schema: openApiSchema(field as z.ZodType) }),
    ),
  );
}

/** Documents each property of a zod object schema as a path parameter (its pattern, format, limits). */
export function ApiZodParams(schema: z.ZodObject): MethodDecorator {
  return applyDecorators(
    ...Object.entries(schema.shape).map(([name, field]) =>
      ApiParam({ name, required: true, schema: openApiSchema(field as z.ZodType) }),
    ),
  );
}

/**
 * Documents a success response from the zod schema the handler's return type is inferred from, with
 * an example (checked against the schema by the document linter). Omit the schema for a bodiless one.
 */
export function ApiZodResponse(
  status: number,
  schema: z.ZodType | undefined,
  options: { description: string; example?: unknown },
): MethodDecorator & ClassDecorator {
  if (!schema) return ApiResponse({ status, description: options.description });
  return ApiResponse({
    status,
    description: options.description,
    schema: { ...openApiSchema(schema, 'output'), ...exampleOf(options.example) },
  });
}

export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Validation failed (fields listed)',
  401: 'Missing or invalid credentials',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body larger than the limit',
  414: 'A path parameter is longer than the router accepts',
  415: 'Body is not application/json',
  429: 'Rate limited (Retry-After)',
  503: 'Overloaded or a dependency is down (Retry-After)',
};

/** The error envelope is one component schema (`ErrorBody`) that every error response refers to. */
export const ERROR_BODY_COMPONENT = 'ErrorBody';
export const errorBodyComponentSchema = (): SchemaObject => openApiSchema(errorBodySchema, 'output');
const ERROR_BODY_REF = { $ref: `#/components/schemas/${ERROR_BODY_COMPONENT}` };

/** An error response object for the status: the envelope, with an example. */
export function errorResponse(status: number) {
  return {
    description: ERROR_DESCRIPTIONS[status] ?? 'Error',
    content: { 'application/json': { schema: ERROR_BODY_REF, example: errorExample(status) } },
  };
}

/**
 * Documents the JSON error envelope for statuses a handler itself answers (404 for an unknown id,
 * 409...). Statuses the pipeline answers on every route of a kind (401, 429, 503, body limits) are
 * added to the document by `addPipelineResponses`.
 */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        schema: ERROR_BODY_REF,
        example: errorExample(status),
      }),
    ),
  );
}

/**
 * One error response a route answers in its own way (its code and meaning), where the generic
 * description of the status would say too little; the pipeline's generic one is then not added.
 */
export function ApiErrorResponse(
  status: number,
  description: string,
  example: { error: string; message: string },
): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status,
    description,
    schema: ERROR_BODY_REF,
    example: { ...example, requestId: errorExample(status).requestId },
  });
}

const isRequired = (field: unknown) => !(field as z.ZodType).safeParse(undefined).success;
const exampleOf = (example: unknown) => (example === undefined ? {} : { example });
const describe = (options: { description?: string }) =>
  options.description ? { description: options.description } : {};
