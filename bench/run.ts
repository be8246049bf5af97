import 'reflect-metadata';
import type { BenchOptions, BenchResult } from './bench-contract';
import { SCENARIOS } from './scenarios';

/**
 * `npm run bench -- <scenario> [--duration 10] [--connections 100] [--flag value]`
 * Prints a table, then `BENCH {json}` as the last line.
 */
function parseArgs(argv: string[]): { scenario?: string; options: BenchOptions } {
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
  return {
    scenario,
    options: {
      durationSeconds: Number(flags.duration ?? 10),
      connections: Number(flags.connections ?? 100),
      flags,
      progress: (line) => process.stderr.write(`\r\x1b[K${line}`),
    },
  };
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
  const { scenario, options } = parseArgs(process.argv.slice(2));
  const run = scenario ? SCENARIOS[scenario] : undefined;
  if (!run) {
    console.error(
      `usage: npm run bench -- <${Object.keys(SCENARIOS).join('|')}> [--duration s] [--connections n]`,
    );
    process.exit(2);
  }
  const result = await run(options);
  process.stderr.write('\r\x1b[K');
  printTable(result);
  console.log(`BENCH ${JSON.stringify({ scenario: result.scenario, ...result.figures })}`);
  process.exit(0);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
