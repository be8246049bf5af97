import type { Logger } from 'pino';
import type { AppConfig } from '@platform/config';
import { createPlatformApp, type PlatformApp } from '@platform/core';
import { WorkerModule } from './worker.module';

/**
 * The worker is a Nest application whose HTTP surface is only /health, /readyz, /health/detailed and
 * /metrics (the same controllers as the API), served on WORKER_PORT with the API's security headers.
 */
export function createWorkerApp(config: AppConfig, logger?: Logger): Promise<PlatformApp> {
  return createPlatformApp(WorkerModule.forRoot(config), config, { name: 'worker', logger });
}
