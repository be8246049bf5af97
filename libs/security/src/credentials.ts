/** Reads a credential from `Authorization: Bearer <x>` or, failing that, the named header. */
export function bearerOrHeader(
  headers: Record<string, string | string[] | undefined>,
  fallbackHeader?: string,
): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match) return match[1];
  }
  if (fallbackHeader) {
    const value = headers[fallbackHeader];
    if (typeof value === 'string' && value.length > 0) return value.trim();
  }
  return undefined;
}

/** Parses `Authorization: Basic base64(user:password)`. */
export function basicCredentials(
  authorization: string | undefined,
): { user: string; password: string } | undefined {
  if (!authorization) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
