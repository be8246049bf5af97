import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who is running the current code, for read-your-writes: the caller's last write position is
 * remembered under `callerKey`, and reads in this context only go to replicas that have replayed it.
 * Services never pass it: the API sets it per request (from the authenticated key), the worker per job.
 */
export interface ConsistencyState {
  callerKey?: string;
  /** Reads go to the primary (e.g. lookups that must see writes made by someone else a moment ago). */
  primaryOnly: boolean;
  /** The caller's last-write LSN, once loaded (undefined = never wrote, or the mark expired). */
  requiredLsn?: bigint;
  /** The load from the store, started by the first read in this context and shared by the rest. */
  lsnLoad?: Promise<void>;
  /**
   * Reads see at least this position, whoever wrote it (a cache reload after an invalidation): a
   * replica that has not replayed it is skipped. Nested scopes keep it.
   */
  floorLsn?: bigint;
  /** The scope `readAtLeast` narrowed: writes made here count for it too. */
  parent?: ConsistencyState;
}

const storage = new AsyncLocalStorage<ConsistencyState>();

/** Runs `fn` as `callerKey`: its writes are remembered and its reads see them. */
export function runAs<T>(callerKey: string, fn: () => T): T {
  return storage.run({ callerKey, primaryOnly: false, floorLsn: storage.getStore()?.floorLsn }, fn);
}

/**
 * Runs `fn` with no caller identity (anonymous or admin requests): after it writes, its later reads
 * go to the primary, so a handler that writes and then reads back never sees a lagging replica.
 */
export function runWithoutCaller<T>(fn: () => T): T {
  return storage.run({ primaryOnly: false, floorLsn: storage.getStore()?.floorLsn }, fn);
}

/** Runs `fn` with every read on the primary (keeps the caller, so its writes are still recorded). */
export function readFromPrimary<T>(fn: () => T): T {
  const parent = storage.getStore();
  return storage.run({ callerKey: parent?.callerKey, primaryOnly: true, floorLsn: parent?.floorLsn }, fn);
}

/**
 * Runs `fn` with every read at or after `lsn` (a replica that has not replayed it is skipped), as the
 * same caller: for reloading what an invalidation dropped, whose write may be someone else's.
 */
export function readAtLeast<T>(lsn: bigint, fn: () => T): T {
  const parent = storage.getStore();
  const floorLsn = parent?.floorLsn !== undefined && parent.floorLsn > lsn ? parent.floorLsn : lsn;
  return storage.run(
    {
      callerKey: parent?.callerKey,
      primaryOnly: parent?.primaryOnly ?? false,
      requiredLsn: parent?.requiredLsn,
      floorLsn,
      parent,
    },
    fn,
  );
}

/**
 * Runs `fn` outside any caller's scope: for work done on behalf of many callers at once (a group
 * commit), which records their write positions itself instead of attributing them to whichever
 * request happened to start it.
 */
export function runDetached<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** Applies `update` to a scope and to the scopes it narrows (a write counts for all of them). */
export function updateScopes(state: ConsistencyState, update: (scope: ConsistencyState) => void): void {
  for (let scope: ConsistencyState | undefined = state; scope; scope = scope.parent) update(scope);
}

export function currentConsistency(): ConsistencyState | undefined {
  return storage.getStore();
}

/**
 * The consistency key of an entity rather than a caller (e.g. `entityKey('user', id)`): writers that
 * change the entity remember their write under it, and anyone reading the entity as that key (another
 * service, the worker) sees the write even though they did not make it.
 */
export function entityKey(kind: string, id: string): string {
  return `${kind}:${id}`;
}
