/** The write queue is full: the caller should answer 503 and let the client retry later. */
export class GroupCommitFullError extends Error {
  constructor(readonly queuedWeight: number) {
    super(`write queue full (${queuedWeight} queued)`);
    this.name = 'GroupCommitFullError';
  }
}

export interface GroupCommitOptions {
  /** Most weight (e.g. rows) one batch carries; an item heavier than this goes alone. */
  maxBatchWeight: number;
  /** Most weight waiting for a batch; past it `submit` refuses at once. */
  maxQueuedWeight: number;
  /** Batches written at the same time (each holds one database connection while it runs). */
  concurrency: number;
}

interface Pending<I, R> {
  item: I;
  weight: number;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: items submitted during one event-loop turn (and while earlier batches are being
 * written) are written together by one call of `write`, which returns one result per item, in order.
 * Under load batches grow by themselves, so the database sees few large statements instead of many
 * small transactions; at low load a batch is one item and adds no wait beyond the current turn.
 * Each submitter's promise settles only when its batch's `write` has settled (for a database write:
 * after commit). Bounded twice: per batch, and in total waiting.
 */
export class GroupCommit<I, R> {
  private queue: Array<Pending<I, R>> = [];
  private queuedWeight = 0;
  private inFlight = 0;
  private scheduled = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly options: GroupCommitOptions,
    private readonly write: (items: I[]) => Promise<R[]>,
  ) {}

  get queued(): number {
    return this.queuedWeight;
  }

  submit(item: I, weight = 1): Promise<R> {
    if (this.queuedWeight > 0 && this.queuedWeight + weight > this.options.maxQueuedWeight) {
      return Promise.reject(new GroupCommitFullError(this.queuedWeight));
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, weight, resolve, reject });
      this.queuedWeight += weight;
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or being written (shutdown waits for it). */
  drained(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.concurrency) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn: every request parsed in it joins.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.schedule();
        else if (this.inFlight === 0) this.notifyIdle();
      });
    }
  }

  private takeBatch(): Array<Pending<I, R>> {
    let weight = 0;
    let count = 0;
    while (count < this.queue.length) {
      const next = this.queue[count].weight;
      if (count > 0 && weight + next > this.options.maxBatchWeight) break;
      weight += next;
      count++;
    }
    const batch = this.queue.slice(0, count);
    this.queue = this.queue.slice(count);
    this.queuedWeight -= weight;
    return batch;
  }

  private async run(batch: Array<Pending<I, R>>): Promise<void> {
    try {
      const results = await this.write(batch.map((p) => p.item));
      if (results.length !== batch.length) {
        throw new Error(`group commit: ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }

  private notifyIdle(): void {
    for (const resolve of this.idle) resolve();
    this.idle.clear();
  }
}
