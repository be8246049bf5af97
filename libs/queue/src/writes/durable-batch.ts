import { GroupCommit, runDetached, type GroupCommitOptions } from '@platform/database';
import type { StagedOutboxRow } from '../outbox/staged-outbox-rows';
import type { Admission, DurableWrites } from './durable-writes';

/** What one batch's statement wrote, for the steps after its commit. */
export interface BatchCommit<R> {
  /** The outbox rows it wrote (their jobs prepared once, when staged): dispatched after answering. */
  rows: readonly StagedOutboxRow[];
  /** Keys whose next reads must see the batch; called only with replicas, once per batch. */
  positionKeys?: () => Iterable<string>;
  /** One result per item, read once the write position is recorded. */
  answer: () => Promise<R[]>;
}

/**
 * DurableWrites for writes that share a statement: concurrent requests are gathered per event-loop
 * turn (GroupCommit) and each is answered after its batch committed. Admission is per request; the
 * write position (one read) and the dispatch (one addBulk per queue, then one UPDATE) are per batch,
 * the dispatch off the request path: if Redis is down the rows wait for the relay.
 */
export class DurableBatch<I, R> {
  private readonly group: GroupCommit<I, R>;
  private readonly dispatches = new Set<Promise<unknown>>();

  constructor(
    private readonly writes: DurableWrites,
    options: GroupCommitOptions,
    commit: (items: I[]) => Promise<BatchCommit<R>>,
  ) {
    // Written for many callers at once: not in the scope of whichever request started the batch.
    this.group = new GroupCommit(options, (items) => runDetached(() => this.run(items, commit)));
  }

  /** Admits, then joins the next batch; GroupCommitFullError when the write queue is full (nothing written). */
  async submit(item: I, weight: number, admit: readonly Admission[]): Promise<R> {
    await this.writes.admit(admit);
    return this.group.submit(item, weight);
  }

  /** Resolves once nothing is queued, being written or being dispatched (shutdown waits for it). */
  async drained(): Promise<void> {
    await this.group.drained();
    await Promise.allSettled([...this.dispatches]);
  }

  private async run(items: I[], commit: (items: I[]) => Promise<BatchCommit<R>>): Promise<R[]> {
    const batch = await commit(items);
    await this.writes.recordPosition(batch.positionKeys);
    const results = await batch.answer();
    this.dispatchLater(batch.rows);
    return results;
  }

  private dispatchLater(rows: readonly StagedOutboxRow[]): void {
    if (rows.length === 0) return;
    const dispatch = this.writes.dispatch(rows).catch(() => 0);
    this.dispatches.add(dispatch);
    void dispatch.finally(() => this.dispatches.delete(dispatch));
  }
}
