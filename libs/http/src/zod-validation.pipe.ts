import { Injectable, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { ApiError } from './api-error';

/**
 * Validates (and coerces) a body, query or params object with a zod schema. Schemas should be
 * strict objects so unknown fields are rejected rather than silently dropped.
 */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly part: 'body' | 'query' | 'params' | 'headers' = 'body',
  ) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const fields = flattenIssues(result.error.issues).map((issue) => ({
      field: [this.part, ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    throw new ApiError(
      400,
      'validation_failed',
      `Invalid request ${this.part}: ${fields.map((f) => f.field).join(', ')}`,
      { fields },
    );
  }
}

type Issue = z.core.$ZodIssue;

/**
 * A union failure ("one event or { events }") says only "Invalid input"; report instead the issues of
 * the alternative that came closest (fewest issues), so clients still see which fields are wrong.
 */
function flattenIssues(
  issues: readonly Issue[],
  prefix: PropertyKey[] = [],
): Array<{ path: PropertyKey[]; message: string }> {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0];
      return flattenIssues(closest, path);
    }
    return [{ path, message: issue.message }];
  });
}

/**
 * The query of a route that takes none: any parameter is a 400. Cached routes use it, since their
 * cache key holds the raw query string and random parameters would each make a new entry.
 */
export const noQuerySchema = z.strictObject({});
