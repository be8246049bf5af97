import { RedisMemoryHighError } from './queue-errors';

/** One INFO memory reading: maxBytes 0 means Redis has no maxmemory (then there is no guard). */
export interface MemoryReading {
  usedBytes: number;
  maxBytes: number;
}

export interface MemoryGuardSettings {
  /** Share of maxmemory above which new jobs are refused; 0 turns the guard off. */
  ratio: number;
  /** A reading is reused this long; what this process admits meanwhile is counted on top of it. */
  cacheMs: number;
  retryAfterSeconds: number;
}

/**
 * Refuses new jobs while Redis is nearly full. INFO memory is read at most once per `cacheMs`
 * (concurrent callers share one read), never per request; between reads the bytes this process
 * admitted are added to the last reading, so a flood through one process cannot run past the
 * threshold within one window. A failed read refuses nothing: whether Redis answers is the
 * producer's other check, and an unknown reading must not turn into an outage of its own.
 */
export class MemoryGuard {
  private reading?: MemoryReading & { at: number };
  private failedAt?: number;
  private inFlight?: Promise<void>;
  private admittedSinceRead = 0;

  constructor(
    private readonly settings: MemoryGuardSettings,
    private readonly read: () => Promise<MemoryReading>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Resolves when `bytes` more may be written; throws RedisMemoryHighError otherwise. */
  async admit(bytes: number): Promise<void> {
    if (this.settings.ratio <= 0) return;
    await this.refresh();
    const limit = this.limitBytes;
    if (limit === undefined) return;
    const estimate = this.estimatedBytes!;
    if (estimate + bytes > limit) {
      throw new RedisMemoryHighError(estimate, limit, this.settings.retryAfterSeconds);
    }
    this.admittedSinceRead += bytes;
  }

  /** used_memory as last read plus what this process admitted since; undefined before a reading. */
  get estimatedBytes(): number | undefined {
    return this.reading && this.reading.usedBytes + this.admittedSinceRead;
  }

  /** The threshold in bytes; undefined when there is none (no maxmemory, guard off, no reading). */
  get limitBytes(): number | undefined {
    if (!this.reading || this.reading.maxBytes <= 0 || this.settings.ratio <= 0) return undefined;
    return Math.floor(this.reading.maxBytes * this.settings.ratio);
  }

  get lastReading(): MemoryReading | undefined {
    return this.reading && { usedBytes: this.reading.usedBytes, maxBytes: this.reading.maxBytes };
  }

  /** Reads again if the last reading (or failure) is older than the cache window. */
  async refresh(): Promise<void> {
    const last = Math.max(this.reading?.at ?? -Infinity, this.failedAt ?? -Infinity);
    if (this.now() - last < this.settings.cacheMs) return;
    this.inFlight ??= this.doRead().finally(() => (this.inFlight = undefined));
    await this.inFlight;
  }

  private async doRead(): Promise<void> {
    try {
      const next = await this.read();
      this.reading = { ...next, at: this.now() };
      this.admittedSinceRead = 0;
      this.failedAt = undefined;
    } catch {
      this.failedAt = this.now();
    }
  }
}
