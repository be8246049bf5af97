import { Module, type ModuleMetadata, type Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { loadConfig, type AppConfig } from '@platform/config';
import { CoreModule, createPlatformApp } from '@platform/core';
import { createLogger } from '@platform/observability';

export interface RunningApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  /** Log lines the app wrote (JSON strings). */
  logs: string[];
  close(): Promise<void>;
}

export interface CoreAppOptions {
  /** Test-only controllers, composed beside CoreModule. */
  controllers?: Type[];
  /** Modules the controllers need (e.g. TypeOrmModule.forFeature). */
  imports?: ModuleMetadata['imports'];
}

/**
 * For tests of the libs: what every process of the platform runs (`CoreModule.forRoot`: config,
 * Redis, Postgres with replica routing, metrics, health, breakers, cache, the JSON error envelope),
 * built by `createPlatformApp` as the API and the worker are, plus test-only controllers. Nothing of
 * an app: no API pipeline (auth, rate limits, consistency scopes, fast path), no OpenAPI, no queues,
 * so its responses are not checked against the API's contract. `/metrics`, `/health`, `/readyz` and
 * `/health/detailed` (admin token) are served on its own port, like the worker's. Real port, in the
 * test process.
 */
export async function startCoreApp(
  env: Record<string, string | undefined>,
  { controllers = [], imports = [] }: CoreAppOptions = {},
): Promise<RunningApp> {
  const config = loadConfig(env);
  const logs: string[] = [];
  @Module({ imports, controllers })
  class TestControllers {}
  const { app } = await createPlatformApp(CoreModule.forRoot(config), config, {
    name: 'core',
    logger: capturingLogger(config, 'core', logs),
    extraImports: [TestControllers],
  });
  return listenOnFreePort(app, config, logs);
}

/** A logger at the configured level whose lines go to `logs` instead of stdout. */
export function capturingLogger(config: AppConfig, name: string, logs: string[]): Logger {
  return createLogger({
    level: config.logLevel,
    name,
    destination: { write: (line: string) => void logs.push(line) },
  });
}

/** Listens on a free port of 127.0.0.1. */
export async function listenOnFreePort(
  app: NestFastifyApplication,
  config: AppConfig,
  logs: string[],
): Promise<RunningApp> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, config, baseUrl: `http://127.0.0.1:${port}`, logs, close: () => app.close() };
}
