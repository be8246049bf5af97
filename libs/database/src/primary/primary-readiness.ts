import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { hostLabel } from '../replicas/host-label';
import { ProbeConnection } from '../replicas/probe-connection';
import { PrimaryLocator } from './primary-locator';

const PROBE_TIMEOUT_MS = 1_000;

/**
 * Readiness of the Postgres primary: "can this instance reach a primary that takes writes", asked on
 * a connection of its own. Not through the app's pool: with every pooled connection busy the probe
 * would wait behind the traffic, time out, and take every pod out of rotation at once, at the moment
 * capacity is most needed; a saturated pool already answers 503 database_busy per request. The pool's
 * counts are reported beside it. libs/health turns `check()` into the `postgres` readiness component.
 */
@Injectable()
export class PrimaryReadiness implements OnApplicationBootstrap, OnApplicationShutdown {
  /** How long a check may take before the primary counts as unreachable (the query's own timeout too). */
  readonly timeoutMs = PROBE_TIMEOUT_MS;
  private probe?: { url: string; connection: ProbeConnection };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly locator: PrimaryLocator,
  ) {}

  /**
   * Opens the probe's connection before the first probe arrives: connecting inside the first check
   * spends most of its timeout on a busy host, and every probe of that burst shares its answer.
   */
  onApplicationBootstrap(): void {
    void this.check().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.probe?.connection.close();
  }

  /**
   * The primary this instance writes to, and its pool's counts. Throws when it does not answer within
   * PROBE_TIMEOUT_MS or is in recovery (then, with several hosts in DATABASE_URL, the promoted one is
   * looked for).
   */
  async check(): Promise<{ host: string; pool?: { total: number; idle: number; waiting: number } }> {
    const url = this.locator.currentUrl;
    try {
      const [row] = await this.connectionTo(url).query<{ standby: boolean }>(
        'SELECT pg_is_in_recovery() AS standby',
        PROBE_TIMEOUT_MS,
      );
      if (row.standby) throw new Error(`${hostLabel(url)} is in recovery (not the primary)`);
    } catch (error) {
      // With several hosts in DATABASE_URL, look for the promoted one (the pool follows it too).
      this.locator.suspect();
      throw error;
    }
    return { host: hostLabel(url), pool: this.poolCounts() };
  }

  private connectionTo(url: string): ProbeConnection {
    if (this.probe?.url !== url) {
      void this.probe?.connection.close();
      this.probe = { url, connection: new ProbeConnection(url, 'platform-readiness') };
    }
    return this.probe.connection;
  }

  /** total / idle / waiting of the primary's pg pool. */
  private poolCounts(): { total: number; idle: number; waiting: number } | undefined {
    const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
    if (!pool) return undefined;
    return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
  }
}
