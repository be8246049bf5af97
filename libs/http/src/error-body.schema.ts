import { z } from 'zod';

/** The one error shape clients see: `{ error, message, requestId, fields? }`. */
export const errorBodySchema = z.strictObject({
  error: z.string().meta({ description: 'machine-readable code, e.g. validation_failed' }),
  message: z.string(),
  requestId: z.string().optional(),
  fields: z.array(z.strictObject({ field: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

const EXAMPLES: Record<number, Omit<ErrorBody, 'requestId'>> = {
  400: {
    error: 'validation_failed',
    message: 'Invalid request body: body.userId',
    fields: [{ field: 'body.userId', message: '1-64 characters: letters, digits, "_", ".", ":" or "-"' }],
  },
  401: { error: 'unauthorized', message: 'Missing or invalid API key' },
  403: { error: 'tenant_suspended', message: "The API key's tenant is suspended; ask an administrator" },
  404: { error: 'not_found', message: 'Not found' },
  409: { error: 'idempotency_conflict', message: 'This idempotencyKey was used with a different request' },
  413: { error: 'payload_too_large', message: 'Request body is larger than the limit' },
  414: { error: 'uri_too_long', message: 'URI Too Long' },
  415: { error: 'unsupported_media_type', message: 'Request bodies must be application/json' },
  429: { error: 'rate_limited', message: 'Rate limit exceeded; retry after 1 s' },
  503: { error: 'overloaded', message: 'Server is overloaded; retry later' },
};

export function errorExample(status: number): ErrorBody {
  const example = EXAMPLES[status] ?? { error: 'error', message: 'Error' };
  return { ...example, requestId: '6f1c2a9e-4b7d-4e0a-9c3f-2d8b5e7a1c40' };
}
