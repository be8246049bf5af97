import { describe, expect, it } from 'vitest';
import type { Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { readAtLeast, readFromPrimary, runAs, runWithoutCaller } from './consistency-context';
import { ReadRouter, type Acquired, type ReadRouterMetrics } from './read-router';
import type { ReplicaNode } from './replica-node';
import type { WriteLsnStore } from './write-lsn.store';

const PRIMARY_CLIENT = { query: async () => ({ rows: [] }) } as unknown as PoolClient;

/** A replica as the read router sees it: in rotation or not, replayed up to `replayLsn`. */
function replica(name: string, replayLsn: bigint, inRotation = true) {
  return {
    name,
    inRotation,
    hasReplayed: (lsn: bigint) => replayLsn >= lsn,
    breaker: { execute: <T>(call: () => Promise<T>) => call() },
    acquire: async () => ({ query: async () => ({ rows: [] }), release: () => undefined }),
    markFailed: () => undefined,
  } as unknown as ReplicaNode;
}

/** Routes one read and answers where it went, with the primary-read reasons counted. */
function router(replicas: ReplicaNode[], marks: Record<string, bigint> = {}, storeDown = false) {
  const reasons: string[] = [];
  const metrics = {
    queries: { inc: () => undefined },
    primaryReads: { inc: ({ reason }: { reason: string }) => reasons.push(reason) },
    rotation: { set: () => undefined },
  } as unknown as ReadRouterMetrics;
  const store = {
    load: async (key: string) => {
      if (storeDown) throw new Error('redis down');
      return marks[key];
    },
  } as unknown as WriteLsnStore;
  const obtainPrimary = async (): Promise<Acquired> => [PRIMARY_CLIENT, () => undefined];
  const reads = new ReadRouter(replicas, store, obtainPrimary, metrics, {} as Logger);
  const target = async () => {
    const [client] = await reads.obtainReadConnection();
    return client === PRIMARY_CLIENT ? 'primary' : 'replica';
  };
  return { target, reasons };
}

describe('ReadRouter (where a read runs)', () => {
  it('uses a replica in rotation; without one, the primary (counted)', async () => {
    expect(await router([replica('a', 10n)]).target()).toBe('replica');
    const none = router([replica('a', 10n, false)]);
    expect(await none.target()).toBe('primary');
    expect(none.reasons).toEqual(['no_replica_in_rotation']);
    const noReplicas = router([]);
    expect(await noReplicas.target()).toBe('primary');
    expect(noReplicas.reasons).toEqual([]); // nothing a replica could have served
  });

  it('honours primary-only scopes', async () => {
    const r = router([replica('a', 10n)]);
    expect(await readFromPrimary(() => r.target())).toBe('primary');
    expect(r.reasons).toEqual(['primary_requested']);
  });

  it("fences a caller's reads at its last write, and goes to the primary when the mark is unknown", async () => {
    const r = router([replica('a', 10n)], { 'user:1': 11n, 'user:2': 10n });
    expect(await runAs('user:1', () => r.target())).toBe('primary');
    expect(await runAs('user:2', () => r.target())).toBe('replica');
    expect(await runAs('user:3', () => r.target())).toBe('replica'); // never wrote
    expect(r.reasons).toEqual(['replicas_behind']);
    const down = router([replica('a', 10n)], {}, true);
    expect(await runAs('user:1', () => down.target())).toBe('primary');
    expect(down.reasons).toEqual(['lsn_unknown']);
  });

  it('fences reads at an invalidation floor, with or without a caller', async () => {
    const r = router([replica('a', 10n)]);
    expect(await runWithoutCaller(() => readAtLeast(11n, () => r.target()))).toBe('primary');
    expect(await readAtLeast(10n, () => r.target())).toBe('replica');
    expect(r.reasons).toEqual(['replicas_behind_invalidation']);
  });
});
