import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadFence } from '@platform/cache';
import { openTestRedis, randomSuffix } from '../../../test/support/libs';
import { openTestCache, type TestCache } from './open-test-cache';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pos = (n: number) => n.toString(16).padStart(16, '0');

/**
 * A database with a primary and one replica that replays only when told to: a read sees the replica's
 * state unless it runs at a position the replica has not reached, then the primary's (what the replica
 * router does with a real standby; apps/api/test/standby-consistency.test.ts runs that end to end).
 */
class LaggingStore {
  private readonly writes: Array<{ lsn: number; name: string; value: unknown }> = [];
  private readonly floors = new AsyncLocalStorage<number>();
  primaryLsn = 0;
  replayedLsn = 0;
  primaryReads = 0;

  readonly fence: ReadFence = {
    retainMs: 10_000,
    position: async () => pos(this.primaryLsn),
    readAtLeast: (position, load) =>
      this.floors.run(Math.max(parseInt(position, 16), this.floors.getStore() ?? 0), load),
  };

  write(name: string, value: unknown): void {
    this.writes.push({ lsn: (this.primaryLsn += 1), name, value });
  }

  catchUp(): void {
    this.replayedLsn = this.primaryLsn;
  }

  async read(name: string): Promise<unknown> {
    const floor = this.floors.getStore() ?? 0;
    const at = floor > this.replayedLsn ? this.primaryLsn : this.replayedLsn;
    if (at !== this.replayedLsn) this.primaryReads += 1;
    return this.writes.filter((w) => w.name === name && w.lsn <= at).at(-1)?.value;
  }
}

describe('TieredCache with a read fence (two instances, real Redis, a lagging source)', () => {
  const prefix = `test:${randomSuffix()}:`;
  const store = new LaggingStore();
  let a: TestCache;
  let b: TestCache;

  beforeAll(async () => {
    a = await openTestCache({ REDIS_KEY_PREFIX: prefix }, store.fence);
    b = await openTestCache({ REDIS_KEY_PREFIX: prefix }, store.fence);
  });
  afterAll(async () => {
    const keys = await a?.redis.keys(`${prefix}*`);
    if (keys?.length) await a.redis.del(...keys);
    await a?.close();
    await b?.close();
  });

  async function untilDropped(cache: TestCache, key: string): Promise<void> {
    const start = performance.now();
    while ((await cache.cache.lookup(key))?.source === 'l1') {
      if (performance.now() - start > 2_000) throw new Error('the invalidation did not arrive');
      await sleep(1);
    }
  }

  it("the other instance's reload after an invalidation reads the write, not the lagging replica", async () => {
    const name = `item-${randomSuffix()}`;
    const options = { tags: [`item:${name}`] };
    store.write(name, 'v1');
    store.catchUp();
    expect(await b.cache.wrap(name, () => store.read(name), options)).toBe('v1');

    store.write(name, 'v2'); // the replica has not replayed this
    const primaryReads = store.primaryReads;
    await a.cache.invalidateTags([`item:${name}`]);
    await untilDropped(b, name);
    expect(await b.cache.wrap(name, () => store.read(name), options)).toBe('v2');
    expect(store.primaryReads).toBe(primaryReads + 1);
    // Stored: the next read on either instance is the new value without a load.
    expect(await b.cache.wrap(name, () => Promise.resolve('never'), options)).toBe('v2');
    expect(await a.cache.wrap(name, () => Promise.resolve('never'), options)).toBe('v2');

    // Once the replica has replayed it, reloads read the replica again.
    store.catchUp();
    await a.cache.del(name);
    await untilDropped(b, name);
    expect(await b.cache.wrap(name, () => store.read(name), options)).toBe('v2');
    expect(store.primaryReads).toBe(primaryReads + 1);
  });

  it('without a fence the same sequence caches the old value (the defect this guards against)', async () => {
    const unfenced = await openTestCache({ REDIS_KEY_PREFIX: `test:${randomSuffix()}:` });
    try {
      const name = `item-${randomSuffix()}`;
      store.write(name, 'v1');
      store.catchUp();
      await unfenced.cache.wrap(name, () => store.read(name), { tags: [`item:${name}`] });
      store.write(name, 'v2');
      await unfenced.cache.invalidateTags([`item:${name}`]);
      expect(await unfenced.cache.wrap(name, () => store.read(name))).toBe('v1');
    } finally {
      await unfenced.close();
    }
  });

  it('an entry whose tags come from its value is loaded again when a tag it carries was invalidated', async () => {
    const name = `key-${randomSuffix()}`;
    const id = randomSuffix();
    const options = { tags: (v: unknown) => (v ? [`owner:${id}`] : []) };
    store.write(name, { live: true });
    store.catchUp();
    await b.cache.wrap(name, () => store.read(name), options);
    // The entry lives only in B's L1, as when its L2 write failed: the message then names no key, and
    // only the value's own tags, known after the load, can tell that the load is too old.
    await a.redis.del(`${prefix}{cache}:tz:owner:${id}`, `${prefix}{cache}:v:${name}`);
    store.write(name, undefined); // revoked
    await a.cache.invalidateTags([`owner:${id}`]);
    await untilDropped(b, name);
    let loads = 0;
    const value = await b.cache.wrap(
      name,
      () => {
        loads += 1;
        return store.read(name);
      },
      options,
    );
    expect(value).toBeUndefined();
    expect(loads).toBe(2); // first from the replica (still live), then at the invalidation's position
  });

  it('a load that read before an invalidation cannot store its value after it, even before the message arrives', async () => {
    const name = `late-${randomSuffix()}`;
    const options = { tags: [`item:${name}`] };
    store.write(name, 'v1');
    store.catchUp();
    store.write(name, 'v2'); // the replica has not replayed this
    // B reads the replica (v1) before anyone invalidates, and is slow to store what it read...
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const loading = b.cache.wrap(
      name,
      async () => {
        const value = await store.read(name);
        await gate;
        return value;
      },
      options,
    );
    // ...and the invalidation message reaches B only after B has stored it (a busy instance).
    const held: unknown[][] = [];
    const listeners = b.subscriber.listeners('message') as Array<(...args: unknown[]) => void>;
    b.subscriber.removeAllListeners('message');
    b.subscriber.on('message', (...args: unknown[]) => held.push(args));
    try {
      await a.cache.invalidateTags([`item:${name}`]);
      release();
      // Redis refused the value and named the write it missed: B loaded again after it.
      expect(await loading).toBe('v2');
    } finally {
      b.subscriber.removeAllListeners('message');
      for (const listener of listeners) b.subscriber.on('message', listener);
      for (const args of held) for (const listener of listeners) listener(...args);
    }
    // Nobody is served the old value afterwards: Redis refused to store it.
    expect(await a.cache.wrap(name, () => store.read(name), options)).toBe('v2');
    expect(await b.cache.wrap(name, () => store.read(name), options)).toBe('v2');
  });

  it('does not keep a value filled while an invalidation of its tags is recent (it may have been read before)', async () => {
    const name = `fill-${randomSuffix()}`;
    const options = { tags: [`item:${name}`] };
    await a.cache.fill(name, 'read before', options);
    expect(await b.cache.get(name)).toBe('read before'); // nothing invalidated: kept as before
    store.write(name, 'v2');
    await a.cache.invalidateTags([`item:${name}`]);
    await untilDropped(b, name);
    await b.cache.fill(name, 'read before', options);
    expect(await a.cache.get(name)).toBeUndefined();
    expect(await b.cache.get(name)).toBeUndefined();
  });

  it('carries the position on the wire', async () => {
    const subscriber = openTestRedis();
    try {
      const heard = new Promise<{ tags: string[]; position?: string }>((resolve) =>
        subscriber.on('message', (_channel: string, raw: string) => resolve(JSON.parse(raw))),
      );
      await subscriber.subscribe(`${prefix}cache:invalidate`);
      store.write('wire', 1);
      await a.cache.invalidateTags(['wire']);
      expect(await heard).toMatchObject({ tags: ['wire'], position: pos(store.primaryLsn) });
    } finally {
      subscriber.disconnect();
    }
  });
});
