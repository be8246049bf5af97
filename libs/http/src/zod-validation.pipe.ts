import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ApiError } from './api-error';

/**
 * Validates (and coerces) a body, query or params object with a zod schema. Schemas should be
 * strict objects so unknown fields are rejected rather than silently dropped.
 */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly part: 'body' | 'query' | 'params' = 'body',
  ) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const fields = result.error.issues.map((issue) => ({
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
