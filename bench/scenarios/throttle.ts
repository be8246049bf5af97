import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { currentEnv, loadConfig } from '@platform/config';
import { CircuitBreakerRegistry } from '@platform/resilience';
import { ThrottleService, type BucketRequest } from '@platform/throttling';
import type { BenchOptions, Scenario } from '../bench-contract';

/**
 * Cost of one rate-limit check (ThrottleService.take: breaker + one EVALSHA of the token-bucket
 * script + metrics) against the configured Redis, with one hot key and with 100k distinct keys,
 * after 1k and after 1M prior hits. The baseline, measured in the same run on the same connection,
 * is EVALSHA of a script that only returns 1: the floor for any check that is one Redis script call.
 *
 *   npm run bench -- throttle [--duration 5] [--connections 100] [--prior 1000000] [--keys 100000]
 */
interface Figure {
  opsPerSec: number;
  usPerCheck: number;
  p50Ms: number;
  p99Ms: number;
}

const LIMITS = { burst: 1_000_000_000, ratePerMinute: 1_000_000_000 }; // every check admitted and written

async function measure(
  call: (i: number) => Promise<unknown>,
  seconds: number,
  lanes: number,
): Promise<Figure> {
  const latencies: number[] = [];
  let n = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await call(n++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const ops = latencies.length / elapsed;
  const pick = (q: number) => Number(latencies[Math.floor(q * (latencies.length - 1))].toFixed(3));
  return {
    opsPerSec: Math.round(ops),
    usPerCheck: Number((1e6 / ops).toFixed(1)),
    p50Ms: pick(0.5),
    p99Ms: pick(0.99),
  };
}

/** Prior hits, as fast as Redis takes them. */
async function prime(take: (i: number) => Promise<unknown>, hits: number, progress: (s: string) => void) {
  let next = 0;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < hits) {
        const i = next++;
        if (i % 100_000 === 0) progress(`priming ${i}/${hits}`);
        await take(i);
      }
    }),
  );
}

export const run: Scenario = async (options: BenchOptions) => {
  const seconds = options.durationSeconds;
  const lanes = options.connections;
  const priorBig = Number(options.flags.prior ?? 1_000_000);
  const keyCount = Number(options.flags.keys ?? 100_000);
  const progress = (line: string) => options.progress(line);
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({ ...currentEnv(), REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' });
  const redis = new Redis(config.redis.url, { enableOfflineQueue: true, maxRetriesPerRequest: 1 });
  const breakers = new CircuitBreakerRegistry(config);
  const throttle = new ThrottleService(redis, config, breakers);
  const hot: BucketRequest = { key: 'hot', tier: 'bench', limits: LIMITS };
  const distinct = (i: number): BucketRequest => ({ key: `k${i % keyCount}`, tier: 'bench', limits: LIMITS });
  const memory = async (key: string) => Number(await redis.call('MEMORY', 'USAGE', `${prefix}rl:${key}`));

  try {
    redis.defineCommand('benchNoop', { numberOfKeys: 0, lua: 'return 1' });
    const noop = () => (redis as unknown as { benchNoop(): Promise<number> }).benchNoop();
    // The machine is shared and its load drifts: alternate baseline and check in five slices each and
    // keep each side's median slice, so every ratio compares figures taken under the same load.
    const pair = async (name: string, check: (i: number) => Promise<unknown>) => {
      const bases: Figure[] = [];
      const figures: Figure[] = [];
      for (let slice = 0; slice < 5; slice += 1) {
        options.progress(`${name}: slice ${slice + 1}/5`);
        bases.push(await measure(noop, seconds / 5, lanes));
        figures.push(await measure(check, seconds / 5, lanes));
      }
      const median = (xs: Figure[]) => [...xs].sort((a, b) => a.opsPerSec - b.opsPerSec)[2];
      const base = median(bases);
      const figure = median(figures);
      return { figure, base, ratio: Number((base.opsPerSec / figure.opsPerSec).toFixed(2)) };
    };
    await measure(noop, 1, lanes); // warm-up

    await prime(() => throttle.take(hot), 1_000, progress);
    const hotAfter1k = await pair('hot key after 1k', () => throttle.take(hot));
    const hotBytesAfter1k = await memory('hot');
    await prime(() => throttle.take(hot), priorBig, progress);
    const hotAfter1M = await pair('hot key after 1M', () => throttle.take(hot));
    const hotBytesAfter1M = await memory('hot');

    await prime((i) => throttle.take(distinct(i * 7919)), 1_000, progress);
    const distinctAfter1k = await pair(`${keyCount} keys after 1k`, (i) => throttle.take(distinct(i)));
    await prime((i) => throttle.take(distinct(i)), priorBig, progress);
    const distinctAfter1M = await pair(`${keyCount} keys after 1M`, (i) => throttle.take(distinct(i)));

    const cases = [hotAfter1k, hotAfter1M, distinctAfter1k, distinctAfter1M];
    const worst = cases.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const row = (name: string, c: (typeof cases)[number], bytes?: number) => ({
      case: name,
      ...c.figure,
      baselineOpsPerSec: c.base.opsPerSec,
      ratio: c.ratio,
      bucketBytes: bytes ?? '',
    });
    return {
      scenario: 'throttle',
      rows: [
        row('hot key, after 1k hits', hotAfter1k, hotBytesAfter1k),
        row(`hot key, after ${priorBig} hits`, hotAfter1M, hotBytesAfter1M),
        row(`${keyCount} keys, after 1k hits`, distinctAfter1k),
        row(`${keyCount} keys, after ${priorBig} more hits`, distinctAfter1M),
      ],
      figures: {
        connections: lanes,
        durationSeconds: seconds,
        priorHits: priorBig,
        keys: keyCount,
        hotAfter1k: { ...hotAfter1k.figure, ratio: hotAfter1k.ratio },
        hotAfter1M: { ...hotAfter1M.figure, ratio: hotAfter1M.ratio },
        distinctAfter1k: { ...distinctAfter1k.figure, ratio: distinctAfter1k.ratio },
        distinctAfter1M: { ...distinctAfter1M.figure, ratio: distinctAfter1M.ratio },
        hotBucketBytes: { after1k: hotBytesAfter1k, after1M: hotBytesAfter1M },
        // Cost after 1M hits relative to after 1k, each against its own baseline: ~1 means O(1).
        growthHot: Number((hotAfter1M.ratio / hotAfter1k.ratio).toFixed(2)),
        growthDistinct: Number((distinctAfter1M.ratio / distinctAfter1k.ratio).toFixed(2)),
        baseline: { name: 'EVALSHA of a script returning 1', ...worst.base },
        // How many baseline calls one check costs, in the slowest case.
        ratio: worst.ratio,
      },
    };
  } finally {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    breakers.onApplicationShutdown();
    redis.disconnect();
  }
};
