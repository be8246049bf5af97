import { parseHostList, type HostPort } from './host-list';

/**
 * A libpq-style connection URL that may list several hosts (`postgres://u@h1:5432,h2:5432/db`), as
 * libpq and JDBC accept for failover. WHATWG URL (and node-postgres) understand one host only, so the
 * host list is cut out here and every consumer gets a plain one-host URL per host.
 */
export interface PostgresTarget {
  hosts: HostPort[];
  /** The URL with the given host in place of the list (credentials, database and query kept). */
  urlFor(host: HostPort): string;
}

const AUTHORITY = /^(postgres(?:ql)?:\/\/)(?:([^@/]*)@)?([^/?#]*)(.*)$/;

export function parsePostgresUrl(url: string): PostgresTarget | string {
  const match = AUTHORITY.exec(url);
  if (!match) return 'must be a postgres:// or postgresql:// URL';
  const [, scheme, userInfo, hostList, rest] = match;
  const hosts = parseHostList(hostList, 5432);
  if (typeof hosts === 'string') return hosts;
  const urlFor = (host: HostPort) => {
    const literal = host.host.includes(':') ? `[${host.host}]` : host.host;
    return `${scheme}${userInfo !== undefined ? `${userInfo}@` : ''}${literal}:${host.port}${rest}`;
  };
  try {
    new URL(urlFor(hosts[0]));
  } catch {
    return 'is not a valid URL';
  }
  return { hosts, urlFor };
}
