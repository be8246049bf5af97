import 'reflect-metadata';
import type { BenchLine, BenchOptions, BenchResult } from './bench-contract';
import { CHILD_PROCESS_SCENARIOS, SCENARIOS } from './scenarios';
import { resolveRuntimes } from './support/runtime';

/**
 * `npm run bench -- <scenario> [--duration 10] [--connections 100] [--node 24|system] [--flag value]`
 * Runs the scenario once per Node runtime (by default Node 24, then the machine's Node), prints a table
 * per runtime, then `BENCH {json}` as the last line.
 */
function parseArgs(argv: string[]): { scenario?: string; flags: Record<string, string> } {
  const [scenario, ...rest] = argv;
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i];
    if (!arg.startsWith('--')) continue;
    const next = rest[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      flags[arg.slice(2)] = next;
      i += 1;
    } else {
      flags[arg.slice(2)] = 'true';
    }
  }
  return { scenario, flags };
}

function printTable(result: BenchResult): void {
  const rows = result.rows;
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => String(row[c] ?? ''))));
}

async function main(): Promise<void> {
  const { scenario, flags } = parseArgs(process.argv.slice(2));
  const run = scenario ? SCENARIOS[scenario] : undefined;
  if (!run) {
    console.error(
      `usage: npm run bench -- <${Object.keys(SCENARIOS).join('|')}> [--duration s] [--connections n] [--node 24|system]`,
    );
    process.exit(2);
  }
  const runtimes = CHILD_PROCESS_SCENARIOS.has(scenario!)
    ? resolveRuntimes(flags.node)
    : [{ name: 'system', bin: process.execPath, version: process.versions.node }];
  const runs: BenchLine['runs'] = [];
  for (const runtime of runtimes) {
    const options: BenchOptions = {
      durationSeconds: Number(flags.duration ?? 10),
      connections: Number(flags.connections ?? 100),
      flags,
      runtime,
      progress: (line) => process.stderr.write(`\r\x1b[K[node ${runtime.version}] ${line}`),
    };
    const result = await run(options);
    process.stderr.write('\r\x1b[K');
    console.log(`\n${result.scenario} on Node ${runtime.version} (${runtime.name})`);
    printTable(result);
    runs.push({ node: runtime.version, ...result.figures });
  }
  const [first] = runs;
  const line: BenchLine = { scenario: scenario!, ...first, runs };
  console.log(`BENCH ${JSON.stringify(line)}`);
  process.exit(0);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
