import type { BenchResult, Scenario } from '../bench-contract';
import { startHello } from '../support/baseline';
import { startCpuMeter } from '../support/cpu';
import { logProblems } from '../support/log-problems';
import { runOpenLoop } from '../support/open-loop';
import { startStack } from '../support/stack';
import { sweep } from '../support/sweep';
import { eventWrite, mulberry32, zipfSampler } from '../support/workload';
import { kindRows, openRow } from './rows';

/**
 * Event writes alone (`POST /v1/events`, one event each, users Zipf over `--users`), API + worker on a
 * fresh database, open loop at `--rate` (2,000 writes/s) over at most `--connections` sockets. Every
 * write is durable before its 202 (group-committed with its outbox row), and the worker turns the
 * outbox into jobs, so API CPU µs per write (from /proc) is the figure to watch, with the worker's beside it.
 * Baseline: the bare hello app at the same offered rate, with a body the size of the 202; ratio = hello
 * CPU µs per request / API CPU µs per write (the share of a write's cost that is the framework itself).
 *
 * Flags: --duration 10 --connections 100 --rate 2000 --sweep --sweep-max 32000 --users 100000 --warmup s
 * --db-pool-size n --cpu-prof <dir>
 */
export const run: Scenario = async (options): Promise<BenchResult> => {
  const duration = options.durationSeconds;
  const connections = options.connections;
  const rate = Number(options.flags.rate ?? 2_000);
  const users = Number(options.flags.users ?? 100_000);
  const warmup = Number(options.flags.warmup ?? Math.min(5, Math.max(2, Math.round(duration / 4))));

  options.progress('starting API + worker on a fresh database');
  const stack = await startStack({
    worker: true,
    node: options.runtime.bin,
    env: options.flags['db-pool-size'] ? { DB_POOL_SIZE: options.flags['db-pool-size'] } : {},
    // One directory per runtime, so the two runs' profiles are told apart.
    cpuProfDir: options.flags['cpu-prof'] && `${options.flags['cpu-prof']}/node-${options.runtime.version}`,
  });
  let sawErrors = false;
  try {
    const random = mulberry32(7);
    const rank = zipfSampler(users, random);
    const next = () => eventWrite(rank(), random, stack.apiKey);
    const probe = next();
    const accepted = await fetch(`${stack.apiUrl}${probe.path}`, {
      method: 'POST',
      headers: probe.headers,
      body: probe.body,
    });
    const acceptedBytes = (await accepted.arrayBuffer()).byteLength;

    const hello = await startHello(options.runtime.bin, acceptedBytes);
    const { baseline, baselineCpu } = await (async () => {
      const helloCpu = startCpuMeter({ hello: hello.pid });
      const measured = await runOpenLoop({
        origin: hello.origin,
        rate,
        durationSeconds: duration,
        connections,
        next: () => ({ kind: 'hello', method: 'GET', path: '/hello', headers: {} }),
        progress: options.progress,
        label: `hello, open loop at ${rate}/s`,
      });
      // Read while the process still runs: a finished process has no /proc entry.
      return { baseline: measured, baselineCpu: helloCpu.perRequest(measured.completed) };
    })().finally(() => hello.stop());

    const at = (offered: number, seconds: number, label: string) =>
      runOpenLoop({
        origin: stack.apiUrl,
        rate: offered,
        durationSeconds: seconds,
        connections,
        next,
        progress: options.progress,
        label,
      });
    await at(rate, warmup, 'warm-up');
    const cpuMeter = startCpuMeter({ api: stack.pids.api, worker: stack.pids.worker });
    const writes = await at(rate, duration, `writes, open loop at ${rate}/s`);
    const cpu = cpuMeter.perRequest(writes.completed);
    const swept =
      options.flags.sweep === 'true'
        ? await sweep((offered) => at(offered, duration, `sweep at ${offered}/s`), {
            startRps: rate,
            maxRps: Number(options.flags['sweep-max'] ?? 32_000),
            minRps: 100,
            precision: 0.1,
            maxSteps: 8,
          })
        : null;

    sawErrors =
      accepted.status !== 202 || writes.errors > 0 || (swept?.steps.some((s) => s.errorRate > 0) ?? false);
    const problems = sawErrors ? await logProblems(stack.logDir) : [];
    const ratio = baselineCpu.hello && cpu.api ? Math.round((baselineCpu.hello / cpu.api) * 100) / 100 : 0;
    const errorRate = writes.errors / Math.max(1, writes.sent);
    return {
      scenario: 'writes',
      rows: [
        openRow('hello, open loop', baseline, baselineCpu),
        openRow('event writes, open loop', writes, cpu),
        ...kindRows(writes),
        ...(swept?.steps.map((s) => ({
          target: `sweep ${s.pass ? 'pass' : 'fail'}`,
          offered: s.offeredRps,
          achieved: s.achievedRps,
          'p95 ms': s.p95,
          'p99 ms': s.p99,
          errors: `${(s.errorRate * 100).toFixed(2)} %`,
        })) ?? []),
      ],
      figures: {
        connections,
        durationSeconds: duration,
        warmupSeconds: warmup,
        users,
        offeredRps: writes.offeredRps,
        achievedRps: writes.achievedRps,
        p50: writes.latency.p50,
        p95: writes.latency.p95,
        p99: writes.latency.p99,
        apiCpuMicrosPerWrite: cpu.api,
        workerCpuMicrosPerWrite: cpu.worker,
        loadGeneratorCpuMicrosPerWrite: cpu.loadGenerator,
        writes,
        sweep: swept,
        baseline: { ...baseline, cpuMicrosPerRequest: baselineCpu.hello, bodyBytes: acceptedBytes },
        ratio,
        ratioBasis: 'hello CPU µs per request / API CPU µs per write',
        goals: { p95Ms: 50, p99Ms: 100, errorRate: 0.001 },
        met: {
          achieved: writes.achievedRps >= 0.95 * writes.offeredRps,
          p95: writes.latency.p95 < 50,
          p99: writes.latency.p99 < 100,
          errors: errorRate < 0.001,
        },
        ...(sawErrors ? { logDir: stack.logDir, logProblems: problems } : {}),
      },
    };
  } finally {
    await stack.stop({ keepLogs: sawErrors });
  }
};
