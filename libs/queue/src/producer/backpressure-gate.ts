import { QueueOverloadedError } from './queue-errors';

/** One read of a queue: jobs not yet started, and the running total of finished jobs. */
export interface DepthReading {
  depth: number;
  finished: number;
}

export interface BackpressureSettings {
  queue: string;
  highWaterMark: number;
  lowWaterMark: number;
  /** A reading is reused this long; what this process adds meanwhile is counted on top of it. */
  cacheMs: number;
}

const MIN_RETRY_AFTER_S = 1;
const MAX_RETRY_AFTER_S = 60;
/** Used while no drain has been observed yet (workers down, or just started). */
const UNKNOWN_DRAIN_RETRY_AFTER_S = 10;
/** An admission not followed by an add within this long is forgotten (the caller failed). */
const PENDING_TTL_MS = 10_000;

/**
 * Admission control for one queue. Refuses new jobs once the pending depth (waiting, prioritized,
 * delayed, flow parents: see pendingDepth) reaches the high-water mark and keeps refusing until it
 * falls to the low-water mark (hysteresis, so producers do not flap at the boundary). The depth is
 * read at most once per `cacheMs`; between reads, jobs this process added are counted on top of the
 * last reading, so one process cannot overshoot the mark by what it adds in that window; jobs
 * admitted but not yet added (their transaction is still running) count too, until added or
 * forgotten. Retry-After = time to drain down to the low-water mark at the drain rate observed from
 * the queue's finished-jobs counter.
 */
export class BackpressureGate {
  private reading?: DepthReading & { at: number };
  private inFlight?: Promise<void>;
  private addedSinceRead = 0;
  private pending: Array<{ count: number; at: number }> = [];
  private overloaded = false;
  /** Finished jobs per second (exponentially weighted). */
  private drainRate = 0;

  constructor(
    private readonly settings: BackpressureSettings,
    private readonly read: () => Promise<DepthReading>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Resolves when `count` more jobs may be added; throws QueueOverloadedError otherwise. */
  async admit(count = 1): Promise<void> {
    await this.refresh();
    const { highWaterMark: high, lowWaterMark: low } = this.settings;
    const estimate = this.estimate();
    if (this.overloaded && estimate <= low) this.overloaded = false;
    // A batch larger than the whole band is let in only when the queue has drained to the low mark.
    const fits = count > high - low ? estimate <= low : estimate + count <= high;
    if (!this.overloaded && fits) {
      this.pending.push({ count, at: this.now() });
      return;
    }
    if (estimate + count > high) this.overloaded = true;
    throw new QueueOverloadedError(this.settings.queue, this.retryAfterSeconds(estimate), estimate);
  }

  /** Jobs are in the queue now: counted on top of the last reading until the next one. */
  noteAdded(count: number): void {
    this.addedSinceRead += count;
  }

  /**
   * Admitted jobs were added (AdmittedProducer calls it right after noteAdded): their admissions stop
   * counting, oldest first, so they are not counted twice. Admissions never settled expire instead.
   */
  settle(count: number): void {
    let left = count;
    while (left > 0 && this.pending.length > 0) {
      const head = this.pending[0];
      const settled = Math.min(left, head.count);
      head.count -= settled;
      left -= settled;
      if (head.count === 0) this.pending.shift();
    }
  }

  get isOverloaded(): boolean {
    return this.overloaded;
  }

  get observedDrainRate(): number {
    return this.drainRate;
  }

  private estimate(): number {
    const cutoff = this.now() - PENDING_TTL_MS;
    while (this.pending.length > 0 && this.pending[0].at < cutoff) this.pending.shift();
    const pending = this.pending.reduce((n, p) => n + p.count, 0);
    return (this.reading?.depth ?? 0) + this.addedSinceRead + pending;
  }

  private retryAfterSeconds(estimate: number): number {
    if (this.drainRate <= 0) return UNKNOWN_DRAIN_RETRY_AFTER_S;
    const seconds = Math.ceil((estimate - this.settings.lowWaterMark) / this.drainRate);
    return Math.min(MAX_RETRY_AFTER_S, Math.max(MIN_RETRY_AFTER_S, seconds));
  }

  private async refresh(): Promise<void> {
    if (this.reading && this.now() - this.reading.at < this.settings.cacheMs) return;
    // Concurrent callers share one read.
    this.inFlight ??= this.doRead().finally(() => (this.inFlight = undefined));
    await this.inFlight;
  }

  private async doRead(): Promise<void> {
    const next = await this.read();
    const at = this.now();
    const previous = this.reading;
    if (previous && at > previous.at && next.finished >= previous.finished) {
      const rate = ((next.finished - previous.finished) * 1000) / (at - previous.at);
      // Weight by elapsed time: a long gap says more than a short one.
      const weight = Math.min(1, (at - previous.at) / 5_000);
      this.drainRate = this.drainRate === 0 ? rate : this.drainRate + weight * (rate - this.drainRate);
    }
    this.reading = { ...next, at };
    this.addedSinceRead = 0;
  }
}
