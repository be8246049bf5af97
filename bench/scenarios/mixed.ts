import type autocannon from 'autocannon';
import { issueApiKey } from '@platform/database';
import type { BenchResult, Scenario } from '../bench-contract';
import { runLoad, type LoadResult } from '../support/load';
import { freePort, startProcess, startStack, stopProcess, waitForHttp } from '../support/stack';

/**
 * The reference domain under a realistic mix, API + worker as real processes on a fresh database:
 * 70 % cached single reads, 20 % batch reads of ~10 ids, 10 % event writes, user ids drawn Zipf-like
 * (s = 1) from `--users` (100k) so a hot set stays cached while a long tail misses. Baseline: the bare
 * Nest-Fastify hello route at the same connections in the same run; ratio = mixed rps / hello rps.
 * Goals: ≥ 10,000 req/s, p95 < 50 ms (p97.5 reported), p99 < 100 ms, errors < 0.1 %, at 1000 connections.
 *
 * Flags: --duration 60 --connections 1000 --users 100000 --keys 20 --api-processes 1 --db-pool-size n
 * --warmup s --cpu-prof <dir>
 */
const CATEGORIES = [
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
const SEQUENCE_LENGTH = 200_000;
const BATCH_SIZE = 10;

/** Seeded PRNG so every run replays the same request sequence. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rank r (1..n) with probability ∝ 1/r, by binary search over the cumulative weights. */
function zipfSampler(n: number, random: () => number): () => number {
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

/**
 * Users u1..uN, each with 1-5 events in 20 categories, and a recommendations row derived from them
 * (the shape the worker writes), all generated in SQL.
 */
async function seed(
  run: (sql: string, params?: unknown[]) => Promise<unknown>,
  users: number,
  apiKeyId: string,
) {
  await run(
    `INSERT INTO user_events (user_id, type, category, occurred_at, api_key_id)
     SELECT 'u' || i,
            CASE WHEN (i + j) % 4 = 0 THEN 'purchase' ELSE 'search' END,
            ($3::text[])[1 + ((i * 7 + j * 3) % 20)],
            now() - make_interval(secs => (i + j) % 86400),
            $2
       FROM generate_series(1, $1::int) AS i, generate_series(1, 5) AS j
      WHERE j <= 1 + i % 5`,
    [users, apiKeyId, CATEGORIES],
  );
  await run(
    `INSERT INTO recommendations (user_id, body)
     SELECT user_id, jsonb_build_object(
              'userId', user_id,
              'weightage', jsonb_object_agg(category, w),
              'search_weight', jsonb_object_agg(category, s),
              'purchase_weight', jsonb_object_agg(category, p),
              'recommended_categories', to_jsonb((array_agg(category ORDER BY w DESC, category))[1:5]),
              'explore_categories', '["books","electronics","garden"]'::jsonb,
              'metadata', jsonb_build_object(
                'searches', sum(searches), 'purchases', sum(purchases), 'categories', count(*),
                'lastEventAt', max(last_at), 'computedAt', now(),
                'model', '{"searchWeight":1,"purchaseWeight":3,"halfLifeDays":30}'::jsonb))
       FROM (SELECT user_id, category,
                    count(*) FILTER (WHERE type = 'search') AS searches,
                    count(*) FILTER (WHERE type = 'purchase') AS purchases,
                    count(*) FILTER (WHERE type = 'search') * 1.0 AS s,
                    count(*) FILTER (WHERE type = 'purchase') * 3.0 AS p,
                    count(*) FILTER (WHERE type = 'search') + 3.0 * count(*) FILTER (WHERE type = 'purchase') AS w,
                    max(occurred_at) AS last_at
               FROM user_events GROUP BY user_id, category) per_category
      GROUP BY user_id`,
  );
  await run('ANALYZE user_events');
  await run('ANALYZE recommendations');
}

/**
 * The request mix as one autocannon request whose setupRequest hands out the next entry of a shared,
 * pre-drawn sequence: autocannon deep-clones `requests` per connection, so a long static list times
 * 1000 connections would not fit in memory, and a short one would not have a long tail.
 */
function mixRequests(users: number, keys: string[]): autocannon.Request[] {
  const sequence = drawSequence(users, keys);
  let next = 0;
  return [
    {
      setupRequest: (request) => {
        const drawn = sequence[next];
        next = (next + 1) % sequence.length;
        return { ...request, ...drawn, headers: { ...request.headers, ...drawn.headers } };
      },
    },
  ];
}

function drawSequence(users: number, keys: string[]): autocannon.Request[] {
  const random = mulberry32(42);
  const rank = zipfSampler(users, random);
  const requests: autocannon.Request[] = [];
  for (let i = 0; i < SEQUENCE_LENGTH; i += 1) {
    const headers = { 'x-api-key': keys[i % keys.length] };
    const roll = random();
    if (roll < 0.7) {
      requests.push({ method: 'GET', path: `/v1/users/u${rank()}/recommendations`, headers });
    } else if (roll < 0.9) {
      const ids = Array.from({ length: BATCH_SIZE }, () => `u${rank()}`).join(',');
      requests.push({ method: 'GET', path: `/v1/recommendations?user_ids=${ids}`, headers });
    } else {
      const body = JSON.stringify({
        userId: `u${rank()}`,
        type: random() < 0.25 ? 'purchase' : 'search',
        category: CATEGORIES[Math.floor(random() * CATEGORIES.length)],
      });
      requests.push({
        method: 'POST',
        path: '/v1/events',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      });
    }
  }
  return requests;
}

/** Batch reads of every user (500 ids per request, 8 at a time): loads and caches each value once. */
async function warmL2(apiUrl: string, apiKey: string, users: number): Promise<void> {
  const chunk = 500;
  let next = 1;
  const lane = async () => {
    while (next <= users) {
      const from = next;
      next += chunk;
      const ids = Array.from({ length: Math.min(chunk, users - from + 1) }, (_, i) => `u${from + i}`);
      const response = await fetch(`${apiUrl}/v1/recommendations?user_ids=${ids.join(',')}`, {
        headers: { 'x-api-key': apiKey },
      });
      if (!response.ok) throw new Error(`warm-up batch answered ${response.status}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
}

/**
 * autocannon reports one latency distribution for the whole mix; this side loop sends one request of
 * each kind every 250 ms during the measured run and keeps their latencies, to tell which kind is slow.
 */
function sampleLatencies(apiUrl: string, apiKey: string, users: number) {
  const headers = { 'x-api-key': apiKey };
  const kinds: Record<string, () => Promise<Response>> = {
    single: () =>
      fetch(`${apiUrl}/v1/users/u${1 + Math.floor(Math.random() * 50)}/recommendations`, { headers }),
    batch: () =>
      fetch(
        `${apiUrl}/v1/recommendations?user_ids=${Array.from({ length: BATCH_SIZE }, () => `u${1 + Math.floor(Math.random() * users)}`).join(',')}`,
        { headers },
      ),
    write: () =>
      fetch(`${apiUrl}/v1/events`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          userId: `u${1 + Math.floor(Math.random() * users)}`,
          type: 'search',
          category: 'books',
        }),
      }),
  };
  const samples: Record<string, number[]> = { single: [], batch: [], write: [] };
  let running = true;
  const loops = Object.entries(kinds).map(async ([kind, send]) => {
    while (running) {
      const started = performance.now();
      try {
        const response = await send();
        await response.arrayBuffer();
        samples[kind].push(performance.now() - started);
      } catch {
        // counted by autocannon's own figures
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      const median = (xs: number[]) =>
        xs.length ? Math.round([...xs].sort((a, b) => a - b)[xs.length >> 1]) : null;
      return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));
    },
  };
}

function counts(r: LoadResult) {
  const throttled = r.statusCounts['429'] ?? 0;
  const failed =
    Object.entries(r.statusCounts)
      .filter(([code]) => !/^[23]/.test(code) && code !== '429' && code !== '404')
      .reduce((n, [, c]) => n + c, 0) + r.errors; // autocannon's errors include its timeouts
  return { throttled, failed, notFound: r.statusCounts['404'] ?? 0 };
}

function row(name: string, r: LoadResult) {
  const c = counts(r);
  return {
    target: name,
    'req/s': r.rps,
    'p50 ms': r.p50,
    'p97.5 ms': r.p97_5,
    'p99 ms': r.p99,
    requests: r.requests,
    'HTTP 429': c.throttled,
    'HTTP 404': c.notFound,
    'errors (5xx, 4xx, socket)': c.failed,
  };
}

export const run: Scenario = async (options): Promise<BenchResult> => {
  const duration = options.durationSeconds;
  const connections = options.connections;
  const users = Number(options.flags.users ?? 100_000);
  const keyCount = Number(options.flags.keys ?? 20);
  const apiProcesses = options.flags['api-processes'] ?? '1';
  const warmup = Number(options.flags.warmup ?? Math.max(5, Math.round(duration / 4)));

  options.progress('baseline: bare Nest-Fastify /hello');
  const helloPort = await freePort();
  const hello = startProcess('dist/bench/baseline/hello-app.js', {}, [String(helloPort)]);
  let baseline: LoadResult;
  try {
    const helloUrl = `http://127.0.0.1:${helloPort}/hello`;
    await waitForHttp(helloUrl);
    await runLoad({ url: helloUrl, connections, durationSeconds: Math.min(warmup, 5) });
    baseline = await runLoad({
      url: helloUrl,
      connections,
      durationSeconds: duration,
      progress: options.progress,
      label: 'baseline hello',
    });
  } finally {
    await stopProcess(hello);
  }

  options.progress(`starting API (${apiProcesses} process(es)) + worker on a fresh database`);
  const stack = await startStack({
    worker: true,
    env: {
      API_PROCESSES: apiProcesses,
      ...(options.flags['db-pool-size'] ? { DB_POOL_SIZE: options.flags['db-pool-size'] } : {}),
    },
    cpuProfDir: options.flags['cpu-prof'],
  });
  try {
    options.progress(`seeding ${users} users`);
    const seedStarted = Date.now();
    const [{ id: apiKeyId }] = await stack.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM api_keys LIMIT 1`,
    );
    await seed((sql, params) => stack.dataSource.query(sql, params), users, apiKeyId);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    // Several internal-tier keys (each 1000 req/s sustained, burst 10k) so the throttle runs on every
    // request but is not what limits the rate.
    const keys = [stack.apiKey];
    for (let i = 1; i < keyCount; i += 1) {
      keys.push((await issueApiKey(stack.dataSource, `bench-${i}`, 'internal')).key);
    }
    const requests = mixRequests(users, keys);
    const check = await fetch(`${stack.apiUrl}/v1/users/u1/recommendations`, {
      headers: { 'x-api-key': stack.apiKey },
    });
    if (!check.ok) throw new Error(`GET /v1/users/u1/recommendations answered ${check.status}`);

    // Steady state of a running service: every user's recommendations have been read within the L2
    // TTL (1 h), so Redis holds them all; the hot set reaches L1 during the warm-up load below.
    options.progress(`warming L2: batch reads of all ${users} users`);
    await warmL2(stack.apiUrl, stack.apiKey, users);
    await runLoad({
      url: stack.apiUrl,
      connections,
      durationSeconds: warmup,
      requests,
      progress: options.progress,
      label: 'warm-up',
    });
    const sampler = sampleLatencies(stack.apiUrl, keys[0], users);
    const mixed = await runLoad({
      url: stack.apiUrl,
      connections,
      durationSeconds: duration,
      requests,
      progress: options.progress,
      label: `mixed 70/20/10, ${connections} connections`,
    });
    const sampled = await sampler.stop();
    const { throttled, failed } = counts(mixed);
    const errorRate = failed / Math.max(1, mixed.requests);
    const ratio = Math.round((mixed.rps / baseline.rps) * 100) / 100;
    const goals = { rps: 10_000, p95Ms: 50, p99Ms: 100, errorRate: 0.001 };
    const met = {
      rps: mixed.rps >= goals.rps,
      p95: mixed.p97_5 < goals.p95Ms,
      p99: mixed.p99 < goals.p99Ms,
      errors: errorRate < goals.errorRate,
    };
    return {
      scenario: 'mixed',
      rows: [
        row('bare Nest-Fastify /hello', baseline),
        row(`platform mixed (API_PROCESSES=${apiProcesses})`, mixed),
      ],
      figures: {
        connections,
        durationSeconds: duration,
        warmupSeconds: warmup,
        users,
        apiKeys: keys.length,
        apiProcesses: Number(apiProcesses),
        seedSeconds,
        mix: { singleReads: 0.7, batchReads: 0.2, eventWrites: 0.1, batchSize: BATCH_SIZE, zipfS: 1 },
        mixed,
        sampledMedianMs: sampled,
        throttled,
        failed,
        errorRate,
        baseline,
        ratio,
        goals,
        met,
      },
    };
  } finally {
    await stack.stop();
  }
};
