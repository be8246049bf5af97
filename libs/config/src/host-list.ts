/** One `host:port` endpoint (Redis nodes and sentinels, Postgres hosts). */
export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port` (IPv6 literals in brackets: `[::1]:6379`); an error message when it is not one. */
export function parseHostPort(text: string, defaultPort?: number): HostPort | string {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(text.trim());
  if (!match) return `"${text}" is not host:port`;
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (port === undefined) return `"${text}" has no port`;
  if (port < 1 || port > 65535) return `"${text}" has a port out of range`;
  return { host: match[1] ?? match[2], port };
}

/** A comma-separated `host:port` list; the first bad entry's message when any is bad. */
export function parseHostList(text: string, defaultPort?: number): HostPort[] | string {
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) return 'must list at least one host:port';
  const hosts: HostPort[] = [];
  for (const entry of entries) {
    const parsed = parseHostPort(entry, defaultPort);
    if (typeof parsed === 'string') return parsed;
    hosts.push(parsed);
  }
  return hosts;
}
