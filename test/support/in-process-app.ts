import type { ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type AppConfig } from '@platform/config';
import { createLogger } from '@platform/observability';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { checkContractOf } from './contract/exemptions';

export interface RunningApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  /** Log lines the app wrote (JSON strings). */
  logs: string[];
  close(): Promise<void>;
}

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
  const logger = createLogger({
    level: config.logLevel,
    name: kind,
    destination: { write: (line: string) => void logs.push(line) },
  });
  const { app } =
    kind === 'api'
      ? await createApiApp(config, { logger, extraImports })
      : await createWorkerApp(config, logger);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  if (kind === 'api') checkContractOf(baseUrl);
  return { app, config, baseUrl, logs, close: () => app.close() };
}
