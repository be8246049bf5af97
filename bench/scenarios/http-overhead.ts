import type { Scenario } from '../bench-contract';
import { runLoad, type LoadResult } from '../support/load';
import { freePort, startProcess, startStack, stopProcess, waitForHttp } from '../support/stack';

/**
 * Full-stack authenticated GET (auth, Redis token bucket, cache, metrics, access log) against a bare
 * Nest-Fastify hello route, same machine, same load. Goal: ratio ≥ 0.5, p99 ≤ 20 ms at 100 connections.
 */
export const run: Scenario = async (options) => {
  const path = options.flags.path ?? '/v1/me';
  const connections = options.connections;
  const duration = options.durationSeconds;
  const warmup = Math.max(2, Math.round(duration / 5));

  options.progress('starting baseline');
  const helloPort = await freePort();
  const baselineProc = startProcess('dist/bench/baseline/hello-app.js', {}, [String(helloPort)]);
  await waitForHttp(`http://127.0.0.1:${helloPort}/hello`);
  await runLoad({ url: `http://127.0.0.1:${helloPort}/hello`, connections, durationSeconds: warmup });
  const baseline = await runLoad({
    url: `http://127.0.0.1:${helloPort}/hello`,
    connections,
    durationSeconds: duration,
    progress: options.progress,
    label: 'baseline hello',
  });
  await stopProcess(baselineProc);

  options.progress('starting platform');
  const stack = await startStack();
  try {
    const headers = { 'x-api-key': stack.apiKey };
    const url = `${stack.apiUrl}${path}`;
    const check = await fetch(url, { headers });
    if (!check.ok) throw new Error(`${path} answered ${check.status}`);
    await runLoad({ url, connections, durationSeconds: warmup, headers });
    const platform = await runLoad({
      url,
      connections,
      durationSeconds: duration,
      headers,
      progress: options.progress,
      label: path,
    });
    const ratio = Math.round((platform.rps / baseline.rps) * 100) / 100;
    return {
      scenario: 'http-overhead',
      rows: [row('bare Nest-Fastify /hello', baseline), row(`platform ${path}`, platform)],
      figures: {
        path,
        connections,
        durationSeconds: duration,
        platform,
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

function row(name: string, r: LoadResult) {
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
  };
}
