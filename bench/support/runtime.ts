import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { currentEnv } from '@platform/config';

/** A Node binary the scenario's child processes (API, worker, hello baseline) run under. */
export interface NodeRuntime {
  /** `24` or `system`, as given to `--node`. */
  name: string;
  bin: string;
  /** `24.22.3`, read from the binary itself. */
  version: string;
}

// Compiled into dist/bench/support; the repository root is three levels up.
const ROOT = resolve(__dirname, '../../..');

function versionOf(bin: string): string {
  return execFileSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
}

/** `NODE24_BIN` when set, else the binary `scripts/node24.sh` installs into the user's cache on first use. */
function node24Bin(): string {
  const configured = currentEnv().NODE24_BIN;
  if (configured) return configured;
  return execFileSync('bash', [resolve(ROOT, 'scripts/node24.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/**
 * `--node 24`, `--node system`, or (default) both: Node 24 first, since that is what the image ships and
 * the goals are judged on, then the machine's Node. One runtime only when the machine's Node is 24.
 */
export function resolveRuntimes(flag: string | undefined): NodeRuntime[] {
  const system: NodeRuntime = { name: 'system', bin: process.execPath, version: process.versions.node };
  const node24 = (): NodeRuntime => {
    const bin = node24Bin();
    return { name: '24', bin, version: versionOf(bin) };
  };
  if (flag === 'system') return [system];
  if (flag === '24') return [node24()];
  if (flag !== undefined && flag !== 'both') throw new Error(`--node takes 24, system or both, not ${flag}`);
  if (system.version.startsWith('24.')) return [system];
  return [node24(), system];
}
