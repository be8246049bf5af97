import type autocannon from 'autocannon';
import type { OpenLoopRequest } from './open-loop';

/** Request sequences shared by the `mixed` and `writes` scenarios: seeded, so every run replays the same one. */
export const CATEGORIES = [
  'books',
  'electronics',
  'garden',
  'toys',
  'sports',
  'music',
  'films',
  'games',
  'kitchen',
  'tools',
  'fashion',
  'shoes',
  'beauty',
  'health',
  'travel',
  'pets',
  'office',
  'auto',
  'baby',
  'grocery',
];

/** Seeded PRNG so every run replays the same request sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rank r (1..n) with probability ∝ 1/r, by binary search over the cumulative weights. */
export function zipfSampler(n: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let r = 1; r <= n; r += 1) {
    sum += 1 / r;
    cumulative[r - 1] = sum;
  }
  return () => {
    const target = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** One event write (`POST /v1/events`) for user `u<rank>`. */
export function eventWrite(rank: number, random: () => number, apiKey: string): OpenLoopRequest {
  return {
    kind: 'write',
    method: 'POST',
    path: '/v1/events',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({
      userId: `u${rank}`,
      type: random() < 0.25 ? 'purchase' : 'search',
      category: CATEGORIES[Math.floor(random() * CATEGORIES.length)],
    }),
  };
}

/** A cursor over a pre-drawn sequence, for the open-loop driver's `next`. */
export function cycle(sequence: OpenLoopRequest[]): () => OpenLoopRequest {
  let next = 0;
  return () => {
    const request = sequence[next];
    next = (next + 1) % sequence.length;
    return request;
  };
}

/**
 * The same sequence as autocannon requests: one request whose setupRequest hands out the next entry,
 * because autocannon deep-clones `requests` per connection, so a long static list times 1000
 * connections would not fit in memory, and a short one would not have a long tail.
 */
export function autocannonRequests(sequence: OpenLoopRequest[]): autocannon.Request[] {
  const next = cycle(sequence);
  return [
    {
      setupRequest: (request) => {
        const drawn = next();
        return {
          ...request,
          method: drawn.method,
          path: drawn.path,
          body: drawn.body,
          headers: { ...request.headers, ...drawn.headers },
        };
      },
    },
  ];
}
