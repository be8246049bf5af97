import { HttpException } from '@nestjs/common';
import { ApiError } from './api-error';
import { dependencyError } from './dependency-errors';
import type { ErrorBody } from './error-body.schema';

export type { ErrorBody };

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'rate_limited',
  500: 'internal_error',
  503: 'service_unavailable',
};

/** Fastify's own errors (body parsing, limits) carry a `code` and a `statusCode`. */
const FASTIFY_CODES: Record<string, { code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'Request body is larger than the limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: 'Request bodies must be application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'bad_request',
    message: 'Content-Length does not match the body',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_json', message: 'Body is empty but Content-Type is JSON' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_json', message: 'Body is not valid JSON' },
};

export function codeForStatus(status: number): string {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
}

/**
 * Turns anything thrown into the one error shape clients see. Unknown errors become a 500 whose
 * message reveals nothing internal; the caller logs the original.
 */
export function toErrorResponse(error: unknown, requestId?: string): ErrorResponse {
  const headers: Record<string, string> = {};
  let status = 500;
  let body: ErrorBody = { error: 'internal_error', message: 'Internal server error' };

  error = dependencyError(error) ?? error;
  // Nest wraps Fastify's own 4xx errors (body limit, JSON syntax) in an HttpException; use the original.
  if (error instanceof HttpException && isFastifyError(error.cause)) error = error.cause;
  if (error instanceof ApiError) {
    status = error.getStatus();
    body = { error: error.code, message: error.message };
    if (error.details.fields) body.fields = error.details.fields;
    if (error.details.retryAfterSeconds !== undefined) {
      headers['retry-after'] = String(Math.max(1, Math.ceil(error.details.retryAfterSeconds)));
    }
    Object.assign(headers, error.details.headers);
  } else if (error instanceof HttpException) {
    status = error.getStatus();
    const response = error.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : typeof (response as { message?: unknown }).message === 'string'
          ? (response as { message: string }).message
          : error.message;
    body = { error: codeForStatus(status), message };
  } else if (isFastifyError(error)) {
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    status = error.statusCode;
    if (error.name === 'SyntaxError' || known?.code === 'invalid_json') status = 400;
    body = known
      ? { error: known.code, message: known.message }
      : { error: codeForStatus(status), message: status < 500 ? error.message : 'Internal server error' };
  }
  if (status === 429 || status === 503) headers['retry-after'] ??= '1';
  if (requestId) body.requestId = requestId;
  return { status, body, headers };
}

function isFastifyError(error: unknown): error is Error & { statusCode: number; code?: string } {
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  return error instanceof Error && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600;
}
