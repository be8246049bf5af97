import { Pool, type PoolClient } from 'pg';
import type { NamedBreaker } from '@platform/resilience';
import { formatLsn, parseLsn } from './lsn';
import { ProbeConnection } from './probe-connection';

export interface ReplicaSettings {
  url: string;
  name: string;
  poolSize: number;
  acquireTimeoutMs: number;
  idleTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName: string;
}

export interface ReplicaStatus {
  name: string;
  inRotation: boolean;
  reachable: boolean;
  lagMs?: number;
  lagBytes?: number;
  replayLsn?: string;
  reason?: string;
  checkedAt?: string;
}

// One round trip tells reachability, position and lag. Lag is 0 when everything received is replayed
// (an idle primary must not make a caught-up standby look late); otherwise it is the age of the last
// replayed transaction. A standby that is not streaming is judged by that age too.
const PROBE_SQL = `SELECT pg_is_in_recovery() AS in_recovery,
  pg_last_wal_replay_lsn()::text AS replay_lsn,
  (pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
    AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')) AS caught_up,
  COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0)::float8 AS replay_age_ms`;

/** One replica: its own pool, its breaker, and what the last probe saw. */
export class ReplicaNode {
  readonly pool: Pool;
  private readonly probeConnection: ProbeConnection;
  reachable = false;
  lagMs?: number;
  /** Bytes of WAL the primary had written (at the start of this probe round) that this replica had not replayed. */
  lagBytes?: bigint;
  replayLsn?: bigint;
  reason? = 'not probed yet';
  checkedAt?: Date;
  /** Set when a read failed on this replica; cleared by the next successful probe. */
  private failedSince?: Date;

  constructor(
    readonly settings: ReplicaSettings,
    readonly breaker: NamedBreaker,
    private readonly maxLagMs: number,
    private readonly maxLagBytes: number,
  ) {
    this.pool = new Pool({
      connectionString: settings.url,
      max: settings.poolSize,
      connectionTimeoutMillis: settings.acquireTimeoutMs,
      idleTimeoutMillis: settings.idleTimeoutMs,
      application_name: settings.applicationName,
      statement_timeout: settings.statementTimeoutMs,
    });
    this.probeConnection = new ProbeConnection(settings.url, `${settings.applicationName}-probe`);
    // A replica going away errors its idle clients; pg-pool drops them, we only need to not crash.
    this.pool.on('error', () => undefined);
  }

  get name(): string {
    return this.settings.name;
  }

  get inRotation(): boolean {
    return this.reachable && !this.failedSince && this.isRecentEnough() && this.breaker.allowsCalls;
  }

  /**
   * Within the time limit, or within the byte limit of the primary's position (as GitLab's load balancer
   * does): replay timestamps jump after an idle primary writes again, so time alone would eject a
   * replica that is only a few bytes behind.
   */
  private isRecentEnough(): boolean {
    if (this.lagMs === undefined) return false;
    if (this.lagMs <= this.maxLagMs) return true;
    return this.lagBytes !== undefined && this.lagBytes <= BigInt(this.maxLagBytes);
  }

  /** True when the last probe saw this replica at or past `lsn`. */
  hasReplayed(lsn: bigint): boolean {
    return this.replayLsn !== undefined && this.replayLsn >= lsn;
  }

  /** A read failed here: out of rotation at once, until a probe finds it healthy again. */
  markFailed(error: Error): void {
    this.failedSince ??= new Date();
    this.reason = `read failed: ${error.message}`;
  }

  /** `primaryLsn`: the primary's position read just before this round, when it could be read. */
  async probe(timeoutMs: number, primaryLsn?: bigint): Promise<void> {
    try {
      const rows = await this.probeConnection.query<{
        in_recovery: boolean;
        replay_lsn: string | null;
        caught_up: boolean;
        replay_age_ms: number;
      }>(PROBE_SQL, timeoutMs);
      const row = rows[0];
      this.reachable = true;
      this.checkedAt = new Date();
      this.replayLsn = row.replay_lsn ? parseLsn(row.replay_lsn) : undefined;
      this.lagMs = row.caught_up ? 0 : Math.max(0, Math.round(row.replay_age_ms));
      this.lagBytes =
        primaryLsn === undefined || this.replayLsn === undefined
          ? undefined
          : primaryLsn > this.replayLsn
            ? primaryLsn - this.replayLsn
            : 0n;
      this.failedSince = undefined;
      if (!row.in_recovery) this.reason = 'not in recovery (promoted?); serving reads';
      else if (!this.isRecentEnough())
        this.reason = `lag ${this.lagMs} ms over ${this.maxLagMs} ms and ${this.lagBytes ?? '?'} bytes behind`;
      else if (!this.breaker.allowsCalls) this.reason = 'breaker open';
      else this.reason = undefined;
    } catch (error) {
      this.reachable = false;
      this.checkedAt = new Date();
      this.reason = `unreachable: ${(error as Error).message}`;
    }
  }

  status(): ReplicaStatus {
    return {
      name: this.name,
      inRotation: this.inRotation,
      reachable: this.reachable,
      lagMs: this.lagMs,
      lagBytes: this.lagBytes === undefined ? undefined : Number(this.lagBytes),
      replayLsn: this.replayLsn === undefined ? undefined : formatLsn(this.replayLsn),
      reason: this.reason,
      checkedAt: this.checkedAt?.toISOString(),
    };
  }

  acquire(): Promise<PoolClient> {
    return this.pool.connect();
  }

  async close(): Promise<void> {
    await this.probeConnection.close();
    await this.pool.end().catch(() => undefined);
  }
}
