/**
 * Parses CORS_ORIGINS: a comma-separated allow-list of exact origins (`https://app.example.com`,
 * `http://localhost:5173`). No wildcard: any site could then call the API from its visitors' browsers.
 */
export function parseCorsOrigins(raw: string): string[] | Error {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = entries.filter((entry) => !isOrigin(entry));
  if (bad.length > 0) {
    return new Error(
      `expected origins like https://app.example.com (scheme, host, port only); not ${bad.join(', ')}`,
    );
  }
  return [...new Set(entries)];
}

function isOrigin(entry: string): boolean {
  try {
    const url = new URL(entry);
    const web = url.protocol === 'https:' || url.protocol === 'http:';
    // URL() accepts "*" in a host name; an origin never has one.
    return web && url.origin === entry && !entry.includes('*');
  } catch {
    return false;
  }
}
