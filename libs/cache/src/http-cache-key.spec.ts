import { describe, expect, it } from 'vitest';
import { etagMatches, httpCacheKey } from './http-cache-key';

describe('etagMatches (If-None-Match)', () => {
  it('matches exact, weak, listed and * tags, and nothing else', () => {
    expect(etagMatches('"abc"', '"abc"')).toBe(true);
    expect(etagMatches('W/"abc"', '"abc"')).toBe(true);
    expect(etagMatches('"x", "abc"', '"abc"')).toBe(true);
    expect(etagMatches('*', '"abc"')).toBe(true);
    expect(etagMatches('"abd"', '"abc"')).toBe(false);
    expect(etagMatches(undefined, '"abc"')).toBe(false);
    expect(etagMatches('', '"abc"')).toBe(false);
  });
});

describe('httpCacheKey', () => {
  it('keys on the route and its decoded parameters, so encodings of one path share an entry', () => {
    const route = '/v1/users/:userId/recommendations';
    expect(httpCacheKey(route, { userId: 'alice' }, '/v1/users/%61lice/recommendations', '*')).toBe(
      httpCacheKey(route, { userId: 'alice' }, '/v1/users/alice/recommendations', '*'),
    );
  });

  it('keeps the query string and the scope apart', () => {
    const route = '/v1/me';
    const plain = httpCacheKey(route, {}, '/v1/me', 'k1');
    expect(httpCacheKey(route, {}, '/v1/me?x=1', 'k1')).not.toBe(plain);
    expect(httpCacheKey(route, {}, '/v1/me', 'k2')).not.toBe(plain);
  });
});
