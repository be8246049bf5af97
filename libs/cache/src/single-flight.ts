/**
 * Concurrent callers asking for one key share one load: the first starts it, the rest await the same
 * promise. The entry is removed when the load settles, so an error reaches every waiter and the next
 * caller starts afresh (errors are never remembered).
 */
export class SingleFlight<T = unknown> {
  private readonly inFlight = new Map<string, Flight<T>>();

  /** Runs `load` unless a load for `key` is already under way; `shared` tells the caller which. */
  run(key: string, load: (flight: Flight<T>) => Promise<T>): { promise: Promise<T>; shared: boolean } {
    const existing = this.inFlight.get(key);
    if (existing) return { promise: existing.promise, shared: true };
    const flight = new Flight<T>();
    this.inFlight.set(key, flight);
    flight.promise = load(flight).finally(() => {
      if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
    });
    return { promise: flight.promise, shared: false };
  }

  /**
   * The value being loaded for `key` was invalidated mid-load: it may be stale, so it must not be
   * stored, and later callers must not join it.
   */
  invalidate(key: string): void {
    const flight = this.inFlight.get(key);
    if (!flight) return;
    flight.invalidated = true;
    this.inFlight.delete(key);
  }

  invalidateAll(): void {
    for (const key of [...this.inFlight.keys()]) this.invalidate(key);
  }

  get size(): number {
    return this.inFlight.size;
  }
}

export class Flight<T> {
  promise!: Promise<T>;
  invalidated = false;
}
