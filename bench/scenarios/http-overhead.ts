import { issueApiKey } from '@platform/database';
import type { Scenario } from '../bench-contract';
import { bodyBytes, startHello } from '../support/baseline';
import { startCpuMeter } from '../support/cpu';
import { runLoad, type LoadResult } from '../support/load';
import { startStack } from '../support/stack';

const SEEDED_USER = 'bench-user-1';

/**
 * Full-stack authenticated GET against a bare Nest-Fastify hello route, same machine, same load.
 * Default path: the cached recommendations of a seeded user, the representative read (API-key auth,
 * Redis token bucket, L1 hit, ETag, metrics, access log). `--path /v1/me` measures auth alone.
 * Requests rotate over `--keys` (20) internal-tier keys, each allowed 1000 req/s, so every request
 * runs the throttle but none is refused. Goal: ratio ≥ 0.5, p99 ≤ 20 ms at 100 connections. The hello
 * baseline answers a body of the measured response's size; CPU µs per request is read from /proc.
 * `--cpu-prof <dir>` profiles the API (one directory per runtime).
 */
export const run: Scenario = async (options) => {
  const path = options.flags.path ?? `/v1/users/${SEEDED_USER}/recommendations`;
  const keyCount = Number(options.flags.keys ?? 20);
  const connections = options.connections;
  const duration = options.durationSeconds;
  const warmup = Math.max(2, Math.round(duration / 5));

  options.progress(`starting platform (Node ${options.runtime.version})`);
  const stack = await startStack({
    node: options.runtime.bin,
    // One directory per runtime, so the two runs' profiles are told apart.
    cpuProfDir: options.flags['cpu-prof'] && `${options.flags['cpu-prof']}/node-${options.runtime.version}`,
  });
  try {
    await stack.dataSource.query(
      `INSERT INTO recommendations (tenant_id, user_id, body) VALUES ($1, $2, $3::jsonb)`,
      [stack.tenantId, SEEDED_USER, JSON.stringify(seededBody(SEEDED_USER))],
    );
    const keys = [stack.apiKey];
    for (let i = 1; i < keyCount; i += 1) {
      keys.push((await issueApiKey(stack.dataSource, `bench-${i}`, 'internal', stack.tenantId)).key);
    }
    const requests = keys.map((key) => ({ method: 'GET' as const, path, headers: { 'x-api-key': key } }));
    const url = `${stack.apiUrl}${path}`;
    const responseBytes = await bodyBytes(url, { 'x-api-key': stack.apiKey });

    // The baseline runs while the platform idles, with a body the size of the response measured.
    options.progress('baseline: bare Nest-Fastify /hello');
    const hello = await startHello(options.runtime.bin, responseBytes);
    let baseline: LoadResult & { cpuMicrosPerRequest: number | null };
    try {
      await runLoad({ url: hello.url, connections, durationSeconds: warmup });
      const helloCpu = startCpuMeter({ hello: hello.pid });
      const measured = await runLoad({
        url: hello.url,
        connections,
        durationSeconds: duration,
        progress: options.progress,
        label: 'baseline hello',
      });
      baseline = { ...measured, cpuMicrosPerRequest: helloCpu.perRequest(measured.requests).hello };
    } finally {
      await hello.stop();
    }

    await runLoad({ url, connections, durationSeconds: warmup, requests });
    const apiCpu = startCpuMeter({ api: stack.pids.api });
    const measured = await runLoad({
      url,
      connections,
      durationSeconds: duration,
      requests,
      progress: options.progress,
      label: path,
    });
    const cpu = apiCpu.perRequest(measured.requests);
    const platform = { ...measured, cpuMicrosPerRequest: cpu.api };
    const ratio = Math.round((platform.rps / baseline.rps) * 100) / 100;
    return {
      scenario: 'http-overhead',
      rows: [row('bare Nest-Fastify /hello', baseline), row(`platform ${path}`, platform)],
      figures: {
        path,
        apiKeys: keys.length,
        connections,
        durationSeconds: duration,
        responseBytes,
        platform,
        loadGeneratorCpuMicrosPerRequest: cpu.loadGenerator,
        baseline,
        ratio,
        goals: { ratio: 0.5, p99Ms: 20 },
        met: ratio >= 0.5 && platform.p99 <= 20,
      },
    };
  } finally {
    await stack.stop();
  }
};

/** The shape the worker writes (libs/recommendations computeRecommendations). */
function seededBody(userId: string) {
  return {
    userId,
    weightage: { books: 7.5, electronics: 4, garden: 1 },
    search_weight: { books: 1.5, electronics: 1, garden: 1 },
    purchase_weight: { books: 6, electronics: 3 },
    recommended_categories: ['books', 'electronics', 'garden'],
    explore_categories: ['toys', 'sports', 'music'],
    metadata: {
      searches: 4,
      purchases: 3,
      categories: 3,
      lastEventAt: new Date().toISOString(),
      computedAt: new Date().toISOString(),
      model: { searchWeight: 1, purchaseWeight: 3, halfLifeDays: 30 },
    },
  };
}

function row(name: string, r: LoadResult & { cpuMicrosPerRequest: number | null }) {
  return {
    target: name,
    'req/s': r.rps,
    'p50 ms': r.p50,
    'p97.5 ms': r.p97_5,
    'p99 ms': r.p99,
    non2xx: Object.entries(r.statusCounts)
      .filter(([code]) => !code.startsWith('2'))
      .reduce((n, [, c]) => n + c, 0),
    errors: r.errors,
    'CPU µs/req': r.cpuMicrosPerRequest ?? 'n/a',
  };
}
