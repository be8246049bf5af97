import { describe, expect, it } from 'vitest';
import { GroupCommit, GroupCommitFullError } from './group-commit';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes everything submitted in one turn as one batch, results in order', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, string>(
      { maxBatchWeight: 100, maxQueuedWeight: 1_000, concurrency: 1 },
      async (items) => {
        batches.push(items);
        return items.map((i) => `ok ${i}`);
      },
    );
    const results = await Promise.all([1, 2, 3].map((i) => commit.submit(i)));
    expect(results).toEqual(['ok 1', 'ok 2', 'ok 3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('gathers what arrives while a batch is being written into the next one', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number, number>(
      { maxBatchWeight: 100, maxQueuedWeight: 1_000, concurrency: 1 },
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return items;
      },
    );
    const first = commit.submit(1);
    await tick();
    const later = [2, 3, 4].map((i) => commit.submit(i));
    await tick();
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('bounds each batch by weight; a heavy item still goes, alone', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, number>(
      { maxBatchWeight: 10, maxQueuedWeight: 1_000, concurrency: 1 },
      async (items) => {
        batches.push(items);
        return items;
      },
    );
    await Promise.all([commit.submit(1, 6), commit.submit(2, 6), commit.submit(3, 30), commit.submit(4, 1)]);
    expect(batches).toEqual([[1], [2], [3], [4]]);
  });

  it('refuses at once when the queue is full, and accepts again once it drains', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number, number>(
      { maxBatchWeight: 5, maxQueuedWeight: 5, concurrency: 1 },
      async (items) => {
        await gate;
        return items;
      },
    );
    const inFlight = commit.submit(0, 5);
    await tick();
    const queued = commit.submit(1, 5);
    await expect(commit.submit(2, 1)).rejects.toBeInstanceOf(GroupCommitFullError);
    release();
    await Promise.all([inFlight, queued]);
    await expect(commit.submit(3, 1)).resolves.toBe(3);
  });

  it('fails every item of a batch whose write fails, and keeps working', async () => {
    let fail = true;
    const commit = new GroupCommit<number, number>(
      { maxBatchWeight: 100, maxQueuedWeight: 1_000, concurrency: 2 },
      async (items) => {
        if (fail) throw new Error('database down');
        return items;
      },
    );
    const failed = await Promise.allSettled([commit.submit(1), commit.submit(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(commit.submit(3)).resolves.toBe(3);
    await expect(commit.drained()).resolves.toBeUndefined();
  });

  it('runs up to `concurrency` batches at once', async () => {
    let running = 0;
    let most = 0;
    const commit = new GroupCommit<number, number>(
      { maxBatchWeight: 1, maxQueuedWeight: 1_000, concurrency: 3 },
      async (items) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return items;
      },
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => commit.submit(i)));
    expect(most).toBe(3);
  });
});
