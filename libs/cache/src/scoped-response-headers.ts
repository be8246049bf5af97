import type { FastifyReply } from 'fastify';

const CREDENTIAL_HEADERS = 'authorization, x-api-key';

/**
 * Marks a per-caller or per-tenant response: shared caches must not keep it (the same URL shows
 * another tenant's user to another key; clients revalidate with the ETag) and it varies by the
 * caller's credentials. Vary is added to, not replaced: CORS has already put
 * `Origin` there, and a browser cache must not serve one origin's response to another.
 */
export function markScopedResponse(reply: FastifyReply): void {
  const vary = reply.getHeader('vary');
  void reply
    .header('cache-control', 'private, no-cache')
    .header('vary', vary ? `${String(vary)}, ${CREDENTIAL_HEADERS}` : CREDENTIAL_HEADERS);
}
