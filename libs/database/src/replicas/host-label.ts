/**
 * How a database host appears in metric labels, logs and health output: `host:port/database`.
 * Built from the URL's parts so a password in the URL can never leak into a label or a log line.
 */
export function hostLabel(url: string): string {
  try {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    return `${parsed.hostname}:${parsed.port || '5432'}${database ? `/${database}` : ''}`;
  } catch {
    return 'unparseable-url';
  }
}
