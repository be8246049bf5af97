import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of processes, read from /proc/<pid>/stat (utime + stime, in clock ticks) for a process and
 * all its descendants, so an API started with API_PROCESSES > 1 (a cluster primary and its workers)
 * counts as one. Linux only; elsewhere every reading is null and the tables say so.
 */
let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields after the command name, which is in parentheses and may itself contain spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const fields = statFields(pid);
    if (fields) parentOf.set(pid, Number(fields[1])); // field 4 of stat: ppid
  }
  const found = [root];
  for (let i = 0; i < found.length; i += 1) {
    for (const [pid, parent] of parentOf) if (parent === found[i]) found.push(pid);
  }
  return found;
}

/** Microseconds of CPU (user + system) the process tree has used so far; null where /proc is absent. */
export function processTreeCpuMicros(pid: number | undefined): number | null {
  if (pid === undefined || statFields(pid) === undefined) return null; // gone: no reading, not zero
  try {
    let ticks = 0;
    for (const member of descendants(pid)) {
      const fields = statFields(member);
      if (fields) ticks += Number(fields[11]) + Number(fields[12]); // fields 14, 15 of stat: utime, stime
    }
    return (ticks / clockTicks()) * 1e6;
  } catch {
    return null;
  }
}

export interface CpuMeter {
  /** µs of CPU per completed request for each measured process since the meter started. */
  perRequest(completed: number): Record<string, number | null>;
}

/**
 * Starts measuring the given processes, plus this process (the load generator) as `loadGenerator`.
 * A process that ends before `perRequest` (its children's ticks are then folded into the parent's
 * cutime) is undercounted, which is why the scenarios read the meter while everything still runs.
 */
export function startCpuMeter(pids: Record<string, number | undefined>): CpuMeter {
  const before = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, processTreeCpuMicros(pid)]),
  );
  const selfBefore = process.cpuUsage();
  return {
    perRequest(completed) {
      const result: Record<string, number | null> = {};
      for (const [name, pid] of Object.entries(pids)) {
        const start = before[name];
        const end = processTreeCpuMicros(pid);
        result[name] =
          start === null || end === null ? null : Math.round((end - start) / Math.max(1, completed));
      }
      const self = process.cpuUsage(selfBefore);
      result.loadGenerator = Math.round((self.user + self.system) / Math.max(1, completed));
      return result;
    },
  };
}
