/**
 * What the cache asks of the store behind its loaders so that a reload after an invalidation never
 * brings back data older than the write that caused it. Without it, a loader reading from a lagging
 * read replica right after an invalidation caches the old row again, for the entry's whole TTL.
 *
 * Positions are opaque to the cache but ordered as strings (fixed width): the larger is the later.
 */
export interface ReadFence {
  /**
   * A position at or after every write committed so far (the database's current write position), or
   * undefined when reads cannot lag behind writes (no replicas). Asked once per invalidation.
   */
  position(): Promise<string | undefined>;
  /** Runs `load` so that every read it makes sees at least `position`. */
  readAtLeast<T>(position: string, load: () => Promise<T>): Promise<T>;
  /** How long a position matters: a source still behind it after this long is no longer read. */
  readonly retainMs: number;
}

/** Injection token of the optional `ReadFence` the tiered cache uses (the database module provides it). */
export const READ_FENCE = Symbol.for('platform.cache.read-fence');

/** The later of two positions (either may be absent). */
export function laterPosition(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b > a ? b : a;
}
