import { Logger } from '@nestjs/common';
import { ProbeConnection } from '../replicas/probe-connection';

export type HostRole = 'primary' | 'standby' | 'down';

/** A write reached a server in recovery: what Postgres itself answers (read_only_sql_transaction). */
export class NotPrimaryError extends Error {
  readonly code = '25006';
  constructor(url: string) {
    super(`${new URL(url).host} is in recovery (read-only); looking for the new primary`);
    this.name = 'NotPrimaryError';
  }
}

/**
 * Which of the hosts listed in DATABASE_URL is the primary, as libpq's
 * `target_session_attrs=read-write` decides it: the first that answers and is not in recovery.
 * Re-resolved whenever a connection to the current one fails or lands on a standby (after a
 * promotion), at most once per `minIntervalMs`, one probe round at a time.
 */
export class PrimaryLocator {
  private index = 0;
  private resolving?: Promise<string | undefined>;
  private lastResolvedAt = 0;
  private readonly logger = new Logger('PrimaryLocator');

  constructor(
    readonly hostUrls: readonly string[],
    private readonly probeTimeoutMs: number,
    private readonly minIntervalMs = 250,
  ) {}

  /** The URL new connections go to. */
  get currentUrl(): string {
    return this.hostUrls[this.index];
  }

  /** A connection to the current host failed or found it read-only: look again (rate-limited). */
  suspect(): void {
    if (this.hostUrls.length < 2) return; // one host: there is nowhere else to look
    if (this.resolving || Date.now() - this.lastResolvedAt < this.minIntervalMs) return;
    void this.resolve();
  }

  /** Probes every host at once; the URL of the primary, or undefined while there is none. */
  resolve(): Promise<string | undefined> {
    this.resolving ??= this.probeAll().finally(() => {
      this.resolving = undefined;
      this.lastResolvedAt = Date.now();
    });
    return this.resolving;
  }

  private async probeAll(): Promise<string | undefined> {
    const roles = await Promise.all(this.hostUrls.map((url) => probeRole(url, this.probeTimeoutMs)));
    const found = roles.indexOf('primary');
    if (found === -1) {
      this.logger.warn(
        { roles },
        'no primary among the database hosts; writes answer 503 until one is promoted',
      );
      return undefined;
    }
    if (found !== this.index) {
      this.logger.warn({ from: hostOf(this.currentUrl), to: hostOf(this.hostUrls[found]) }, 'primary moved');
      this.index = found;
    }
    return this.currentUrl;
  }
}

/**
 * One short-lived connection: is this host up, and is it in recovery? A probe connection, so a stalled
 * event loop does not mark a host that answered in time as down, nor a silent host hold the close.
 */
export async function probeRole(url: string, timeoutMs: number): Promise<HostRole> {
  const connection = new ProbeConnection(url, 'platform-locator');
  try {
    const [row] = await connection.query<{ standby: boolean }>(
      'SELECT pg_is_in_recovery() AS standby',
      timeoutMs,
    );
    return row.standby ? 'standby' : 'primary';
  } catch {
    return 'down';
  } finally {
    void connection.close();
  }
}

function hostOf(url: string): string {
  return new URL(url).host;
}
