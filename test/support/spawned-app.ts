import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { checkContractOf } from './contract/exemptions';
import { freePort } from './ports';

const ENTRY = {
  api: resolve(__dirname, '../../dist/apps/api/src/main.js'),
  worker: resolve(__dirname, '../../dist/apps/worker/src/main.js'),
};

export interface SpawnedApp {
  proc: ChildProcess;
  baseUrl: string;
  output(): string;
  /** Sends the signal and resolves with the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** The built app as its own process (what `npm start` runs), waiting until /health answers. */
export async function spawnApp(
  kind: 'api' | 'worker',
  env: Record<string, string | undefined>,
  options: { waitForHealth?: boolean } = {},
): Promise<SpawnedApp> {
  const port = await freePort();
  const portVar = kind === 'api' ? 'PORT' : 'WORKER_PORT';
  const proc = spawn(process.execPath, [ENTRY[kind]], {
    env: { ...env, [portVar]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  if (kind === 'api') checkContractOf(baseUrl);
  const app: SpawnedApp = {
    proc,
    baseUrl,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  if (options.waitForHealth !== false) await waitForHealth(app);
  return app;
}

async function waitForHealth(app: SpawnedApp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.proc.exitCode !== null) throw new Error(`app exited early:\n${app.output()}`);
    try {
      const res = await fetch(`${app.baseUrl}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`app did not become healthy:\n${app.output()}`);
}
