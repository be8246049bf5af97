import type { ModuleMetadata } from '@nestjs/common';
import { loadConfig } from '@platform/config';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { checkContractOf } from './contract/exemptions';
import { capturingLogger, listenOnFreePort, type RunningApp } from './core-app';

export type { RunningApp } from './core-app';

/**
 * The real API (or worker), built as production builds it, on a real port inside the test process.
 * `extraImports` (API only) are test-only modules composed into it: see startApiWithControllers.
 */
export async function startInProcess(
  kind: 'api' | 'worker',
  env: Record<string, string | undefined>,
  extraImports: ModuleMetadata['imports'] = [],
): Promise<RunningApp> {
  const config = loadConfig(env);
  const logs: string[] = [];
  const logger = capturingLogger(config, kind, logs);
  const { app } =
    kind === 'api'
      ? await createApiApp(config, { logger, extraImports })
      : await createWorkerApp(config, logger);
  const running = await listenOnFreePort(app, config, logs);
  if (kind === 'api') checkContractOf(running.baseUrl);
  return running;
}
