import type { Logger } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import { parseLsn } from './lsn';
import { ProbeConnection } from './probe-connection';
import type { ReplicaNode } from './replica-node';

export interface ProberMetrics {
  lag: Gauge<'replica'>;
  rotation: Gauge<'replica'>;
}

/**
 * Probes the primary's WAL position and then every replica, once per interval: each replica applies
 * the rotation rule to what it saw; this reports lag and rotation and logs replicas leaving and
 * rejoining rotation.
 */
export class ReplicaProber {
  private readonly primaryProbe: ProbeConnection;
  private timer?: NodeJS.Timeout;
  private probing = false;

  constructor(
    primaryUrl: string,
    private readonly replicas: readonly ReplicaNode[],
    private readonly intervalMs: number,
    private readonly metrics: ProberMetrics,
    /** The router's: its lines keep the context operators filter on, whichever part logs them. */
    private readonly logger: Logger,
  ) {
    this.primaryProbe = new ProbeConnection(primaryUrl, 'platform-probe');
  }

  /** A round now, then one per interval (the timer does not keep the process alive). */
  start(): void {
    void this.probeAll();
    this.timer = setInterval(() => void this.probeAll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Closes the primary's probe connection (the replicas' own are closed with their nodes). */
  close(): Promise<void> {
    return this.primaryProbe.close();
  }

  /** One round; a round still running (a slow host) is not overlapped by the next. */
  async probeAll(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      // Not shorter than a second: on a loaded host a slow answer is not a dead replica.
      const timeoutMs = Math.min(5_000, Math.max(1_000, this.intervalMs));
      // Read before the replicas: their bytes behind are measured against it (undefined if unreadable).
      const primaryLsn = await this.primaryProbe
        .query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn', timeoutMs)
        .then((rows) => parseLsn(rows[0].lsn))
        .catch(() => undefined);
      await Promise.all(this.replicas.map((r) => this.probeOne(r, timeoutMs, primaryLsn)));
    } finally {
      this.probing = false;
    }
  }

  private async probeOne(replica: ReplicaNode, timeoutMs: number, primaryLsn?: bigint): Promise<void> {
    const decision = await replica.probe(timeoutMs, primaryLsn);
    // An unreachable replica keeps its last lag, which is not reported as current.
    if (replica.lagMs !== undefined && replica.reachable) {
      this.metrics.lag.set({ replica: replica.name }, replica.lagMs / 1000);
    }
    this.metrics.rotation.set({ replica: replica.name }, replica.inRotation ? 1 : 0);
    // Transitions as the probe decided them (the rotation rule), against rotation when it started.
    if (decision.action === 'put-back') {
      this.logger.log({ msg: 'replica back in rotation', replica: replica.name });
    } else if (decision.action === 'take-out') {
      this.logger.warn({ msg: 'replica left rotation', replica: replica.name, reason: decision.reason });
    }
  }
}
