import { describe, expect, it } from 'vitest';
import { MemoryGuard, type MemoryReading } from './memory-guard';
import { RedisMemoryHighError } from './queue-errors';

const MB = 1_000_000;

function setup(ratio = 0.8) {
  let now = 0;
  const reading: MemoryReading = { usedBytes: 10 * MB, maxBytes: 100 * MB };
  let reads = 0;
  let failing = false;
  const guard = new MemoryGuard(
    { ratio, cacheMs: 1_000, retryAfterSeconds: 5 },
    async () => {
      reads += 1;
      if (failing) throw new Error('timed out');
      return { ...reading };
    },
    () => now,
  );
  return {
    guard,
    reading,
    advance: (ms: number) => (now += ms),
    reads: () => reads,
    fail: (v: boolean) => (failing = v),
  };
}

const refused = (p: Promise<void>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('MemoryGuard', () => {
  it('refuses with 503 redis_memory_high above ratio × maxmemory', async () => {
    const { guard, reading, advance } = setup();
    await guard.admit(1_000);
    reading.usedBytes = 81 * MB;
    advance(1_000);
    const error = await refused(guard.admit(1_000));
    expect(error).toBeInstanceOf(RedisMemoryHighError);
    expect((error as RedisMemoryHighError).getStatus()).toBe(503);
    expect((error as RedisMemoryHighError).code).toBe('redis_memory_high');
    expect((error as RedisMemoryHighError).details.retryAfterSeconds).toBe(5);
  });

  it('reads INFO at most once per window, and counts what it admitted on top of the last reading', async () => {
    const { guard, reads, reading, advance } = setup();
    reading.usedBytes = 70 * MB;
    for (let i = 0; i < 9; i += 1) await guard.admit(MB); // 79 MB
    expect(await refused(guard.admit(2 * MB))).toBeInstanceOf(RedisMemoryHighError);
    expect(reads()).toBe(1);
    // The next reading replaces the estimate (workers drained, retention trimmed).
    reading.usedBytes = 40 * MB;
    advance(1_000);
    await guard.admit(2 * MB);
    expect(reads()).toBe(2);
  });

  it('guards nothing without maxmemory, with ratio 0, or when INFO cannot be read', async () => {
    const noMax = setup();
    noMax.reading.maxBytes = 0;
    noMax.reading.usedBytes = 10_000 * MB;
    await noMax.guard.admit(MB);
    expect(noMax.guard.limitBytes).toBeUndefined();

    const off = setup(0);
    off.reading.usedBytes = 99 * MB;
    await off.guard.admit(MB);
    expect(off.reads()).toBe(0);

    const failing = setup();
    failing.fail(true);
    await failing.guard.admit(MB);
    await failing.guard.admit(MB);
    expect(failing.reads()).toBe(1); // a failure is not retried on every request either
  });

  it('shares one read between concurrent callers', async () => {
    const { guard, reads } = setup();
    await Promise.all(Array.from({ length: 50 }, () => guard.admit(1)));
    expect(reads()).toBe(1);
  });
});
