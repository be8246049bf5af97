/**
 * The cache key of a GET response: the route template, its parsed (decoded) parameters and the raw
 * query string, scoped to the caller when the response depends on it. Parsed parameters make
 * `/users/%61lice` and `/users/alice` one entry; the query stays as sent, so a route that refuses
 * query strings never has an entry one could be served from.
 */
export function httpCacheKey(route: string, params: unknown, url: string, scope: string): string {
  const q = url.indexOf('?');
  const query = q < 0 ? '' : url.slice(q + 1);
  return `http:${scope}:${route}:${JSON.stringify(params ?? {})}?${query}`;
}

/** What is cached for a response: the exact bytes sent, and their ETag (computed once, at store time). */
export interface CachedBody {
  body: string;
  etag: string;
}

/** RFC 9110 If-None-Match: a list of (possibly weak) tags or `*`, compared weakly. */
export function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  if (!header) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === etag) return true;
  return value
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag.replace(/^W\//, '') === etag);
}
