import { ConfigValidationError, loadConfig } from '@platform/config';

/**
 * Container HEALTHCHECK: `node dist/scripts/healthcheck.js api|worker` asks the app's own /health on
 * the port the config gives it (PORT or WORKER_PORT), so the image needs no curl and never disagrees
 * with the app about its port. Liveness only: a Redis or Postgres outage must not mark it unhealthy.
 */
export async function probe(kind: 'api' | 'worker', timeoutMs = 2_000): Promise<boolean> {
  const config = loadConfig();
  const port = kind === 'api' ? config.http.port : config.http.workerPort;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

if (require.main === module) {
  const kind = process.argv[2] === 'worker' ? 'worker' : 'api';
  probe(kind).then(
    (ok) => process.exit(ok ? 0 : 1),
    (error: unknown) => {
      console.error(error instanceof ConfigValidationError ? error.message : error);
      process.exit(1);
    },
  );
}
