import { HttpException } from '@nestjs/common';

export interface ApiErrorOptions {
  /** Seconds, sent as Retry-After (429 and 503 carry it). */
  retryAfterSeconds?: number;
  /** Field-level problems for validation errors. */
  fields?: Array<{ field: string; message: string }>;
  headers?: Record<string, string>;
}

/**
 * An error with a machine-readable code that the HTTP error filter renders as
 * `{ error, message, requestId, fields? }`.
 */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorOptions = {},
  ) {
    super({ error: code, message, ...(details.fields ? { fields: details.fields } : {}) }, status);
  }
}
