import type { OpenAPIObject } from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import { addPipelineResponses } from './openapi-document';

const doc = (): OpenAPIObject => ({
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: {
    '/v1/users/{userId}/recommendations': {
      get: {
        security: [{ 'api-key': [] }],
        responses: { '200': { description: 'ok' }, '304': { description: 'not modified' } },
      },
    },
    '/v1/admin/tiers/{name}': {
      put: { security: [{ 'admin-token': [] }], responses: { '200': { description: 'ok' } } },
    },
  },
});

describe('addPipelineResponses', () => {
  const names = (response: unknown) => Object.keys((response as { headers?: object }).headers ?? {}).sort();

  it('documents the errors and headers the pipeline adds, by kind of route', () => {
    const { paths, components } = addPipelineResponses(doc());
    const cachedRead = paths['/v1/users/{userId}/recommendations'].get!.responses;
    expect(Object.keys(cachedRead).sort()).toEqual(['200', '304', '401', '403', '414', '429', '503']);
    expect(names(cachedRead['200'])).toEqual(
      [
        'Cache-Control',
        'ETag',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'X-Cache',
        'X-Request-Id',
      ].sort(),
    );
    expect(names(cachedRead['429'])).toEqual(
      ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-Id'].sort(),
    );
    const admin = paths['/v1/admin/tiers/{name}'].put!.responses;
    // Admin routes: no tenant (403), no caller bucket headers; a body, so the parsing errors.
    expect(Object.keys(admin).sort()).toEqual(['200', '400', '401', '413', '414', '415', '429', '503']);
    expect(names(admin['200'])).toEqual(['X-Request-Id']);
    expect(names(admin['503'])).toEqual(['Retry-After', 'X-Request-Id']);
    expect(Object.keys(components!.headers!)).toContain('RateLimit-Remaining');
  });
});
