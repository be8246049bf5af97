import { isIP } from 'node:net';

/** What Fastify's `trustProxy` accepts: off, a hop count, or the proxies' addresses / CIDR ranges. */
export type TrustProxy = false | number | string[];

/**
 * Parses TRUST_PROXY. Off by default so X-Forwarded-For is ignored: a client behind no proxy could
 * otherwise pick its own rate-limit identity by setting that header.
 */
export function parseTrustProxy(raw: string): TrustProxy | Error {
  const value = raw.trim();
  if (value === '' || value === 'false' || value === '0') return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((s) => s.trim());
  const bad = entries.filter((entry) => !isAddressOrCidr(entry));
  if (bad.length > 0) {
    return new Error(`expected false, a hop count or a list of IPs/CIDRs; not ${bad.join(', ')}`);
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d+$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
