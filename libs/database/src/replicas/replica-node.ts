import { Pool, type PoolClient } from 'pg';
import type { NamedBreaker } from '@platform/resilience';
import { formatLsn, parseLsn } from './lsn';
import { ProbeConnection } from './probe-connection';
import { isInRotation, rotationDecision, type ProbeResult, type RotationDecision } from './replica-rotation';

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
    // Evaluated on every read, not stored per probe: the breaker opens and half-opens between probes.
    return isInRotation(
      {
        reachable: this.reachable,
        readFailed: this.failedSince !== undefined,
        lagMs: this.lagMs,
        lagBytes: this.lagBytes,
        breakerAllowsCalls: this.breaker.allowsCalls,
      },
      { maxLagMs: this.maxLagMs, maxLagBytes: this.maxLagBytes },
    );
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

  /**
   * `primaryLsn`: the primary's position read just before this round, when it could be read. Applies
   * the rotation rule to what the probe saw and returns its decision (the prober logs transitions).
   */
  async probe(timeoutMs: number, primaryLsn?: bigint): Promise<RotationDecision> {
    const wasInRotation = this.inRotation;
    let result: ProbeResult;
    try {
      const rows = await this.probeConnection.query<{
        in_recovery: boolean;
        replay_lsn: string | null;
        caught_up: boolean;
        replay_age_ms: number;
      }>(PROBE_SQL, timeoutMs);
      const row = rows[0];
      // Inside the try: an answer that cannot be read (no row, a malformed LSN) counts as unreachable.
      result = {
        ok: true,
        inRecovery: row.in_recovery,
        replayLsn: row.replay_lsn ? parseLsn(row.replay_lsn) : undefined,
        caughtUp: row.caught_up,
        replayAgeMs: row.replay_age_ms,
        primaryLsn,
      };
    } catch (error) {
      result = { ok: false, error: error as Error };
    }
    const decision = rotationDecision(result, {
      wasInRotation,
      breakerAllowsCalls: this.breaker.allowsCalls,
      maxLagMs: this.maxLagMs,
      maxLagBytes: this.maxLagBytes,
    });
    this.reachable = decision.reachable;
    this.checkedAt = new Date();
    if (decision.reachable) {
      this.replayLsn = decision.measures.replayLsn;
      this.lagMs = decision.measures.lagMs;
      this.lagBytes = decision.measures.lagBytes;
      this.failedSince = undefined;
    }
    this.reason = decision.reason;
    return decision;
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
