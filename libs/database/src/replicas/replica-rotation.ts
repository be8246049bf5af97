/**
 * When a replica serves reads and when it does not. Pure (no pool, no clock, no breaker object) so
 * every branch can be unit-tested; ReplicaNode feeds it what its probe saw and applies the answer.
 */

/** How far behind a replica may be and still serve reads. */
export interface RotationLimits {
  maxLagMs: number;
  maxLagBytes: number;
}

/** What a probe of a replica answered, or why it did not. */
export type ProbeResult =
  | {
      ok: true;
      inRecovery: boolean;
      /** pg_last_wal_replay_lsn(); undefined on a server that is not replaying WAL. */
      replayLsn?: bigint;
      /** Has replayed everything it received, and is streaming. */
      caughtUp: boolean;
      /** Age of the last replayed transaction (0 when none was replayed). */
      replayAgeMs: number;
      /** The primary's position read just before this round, when it could be read. */
      primaryLsn?: bigint;
    }
  | { ok: false; error: Error };

/** What the node knows at any moment: the rotation rule is re-evaluated on every read, not only per probe. */
export interface RotationState {
  reachable: boolean;
  /** A read failed on the replica since its last successful probe. */
  readFailed: boolean;
  lagMs?: number;
  lagBytes?: bigint;
  /** The replica's breaker as it stands now (it opens on failed acquires and half-opens on its own timer). */
  breakerAllowsCalls: boolean;
}

/** The node as a probe finds it: whether it was serving when the probe started, and its limits. */
export interface NodeRotation extends RotationLimits {
  wasInRotation: boolean;
  breakerAllowsCalls: boolean;
}

export interface ProbeMeasures {
  replayLsn?: bigint;
  lagMs: number;
  /** Bytes of WAL the primary had written (at the start of the round) that the replica had not replayed. */
  lagBytes?: bigint;
}

/**
 * What to do after a probe: `take-out` / `put-back` when the probe changed whether the replica serves
 * reads (the caller logs those), `stay` otherwise. A reachable replica's measures replace the last ones
 * and clear a read failure; an unreachable one keeps its last measures (they are not shown as lag).
 */
export type RotationDecision = {
  action: 'stay' | 'take-out' | 'put-back';
  inRotation: boolean;
  /** Why it is out of rotation, or that a promoted server still serves; undefined when healthy. */
  reason?: string;
} & ({ reachable: true; measures: ProbeMeasures } | { reachable: false });

/**
 * Within the time limit, or within the byte limit of the primary's position (as GitLab's load balancer
 * does): replay timestamps jump after an idle primary writes again, so time alone would eject a
 * replica that is only a few bytes behind.
 */
export function isRecentEnough(
  lagMs: number | undefined,
  lagBytes: bigint | undefined,
  limits: RotationLimits,
): boolean {
  if (lagMs === undefined) return false;
  if (lagMs <= limits.maxLagMs) return true;
  return lagBytes !== undefined && lagBytes <= BigInt(limits.maxLagBytes);
}

/** Serves reads: reachable at the last probe, no read failed since, recent enough, breaker closed. */
export function isInRotation(state: RotationState, limits: RotationLimits): boolean {
  return (
    state.reachable &&
    !state.readFailed &&
    isRecentEnough(state.lagMs, state.lagBytes, limits) &&
    state.breakerAllowsCalls
  );
}

export function rotationDecision(probe: ProbeResult, node: NodeRotation): RotationDecision {
  if (!probe.ok) {
    return {
      action: node.wasInRotation ? 'take-out' : 'stay',
      inRotation: false,
      reason: `unreachable: ${probe.error.message}`,
      reachable: false,
    };
  }
  const { replayLsn, primaryLsn } = probe;
  const measures: ProbeMeasures = {
    replayLsn,
    // 0 when everything received is replayed: an idle primary must not make a caught-up standby look late.
    lagMs: probe.caughtUp ? 0 : Math.max(0, Math.round(probe.replayAgeMs)),
    lagBytes:
      primaryLsn === undefined || replayLsn === undefined
        ? undefined
        : primaryLsn > replayLsn
          ? primaryLsn - replayLsn
          : 0n,
  };
  const recent = isRecentEnough(measures.lagMs, measures.lagBytes, node);
  // A successful probe clears a read failure: the replica answered, so it gets reads again.
  const inRotation = isInRotation(
    { reachable: true, readFailed: false, ...measures, breakerAllowsCalls: node.breakerAllowsCalls },
    node,
  );
  // First match wins: a promoted server is reported as such even while it is also lagging.
  let reason: string | undefined;
  if (!probe.inRecovery) reason = 'not in recovery (promoted?); serving reads';
  else if (!recent)
    reason = `lag ${measures.lagMs} ms over ${node.maxLagMs} ms and ${measures.lagBytes ?? '?'} bytes behind`;
  else if (!node.breakerAllowsCalls) reason = 'breaker open';
  const action = inRotation === node.wasInRotation ? 'stay' : inRotation ? 'put-back' : 'take-out';
  return { action, inRotation, reason, reachable: true, measures };
}
