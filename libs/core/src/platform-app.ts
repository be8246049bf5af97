import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '@platform/config';
import { createFastifyAdapter, installSecurityHeaders } from '@platform/http';
import { createLogger, PinoNestLogger } from '@platform/observability';

export interface PlatformApp {
  app: NestFastifyApplication;
  logger: Logger;
}

export interface PlatformAppOptions {
  /** Logger name (`api`, `worker`); one is created from LOG_LEVEL unless `logger` is given. */
  name: string;
  logger?: Logger;
  /** Paths of HTML pages (docs UI, Bull Board) that get their own content security policy. */
  htmlPaths?: string[];
  /**
   * Modules composed beside the app's own: tests add their test-only controllers here, so they run
   * inside the app exactly as production builds it (pipeline, shedding, headers), never beside it.
   */
  extraImports?: ModuleMetadata['imports'];
  /** The app's own Fastify hooks and plugins, installed after the security headers, before listen. */
  configure?: (app: NestFastifyApplication, logger: Logger) => Promise<void>;
}

/**
 * Builds one process of the platform on Fastify: the API, the worker and the tests all call this, so
 * a test runs the app as production does. It does not listen: the caller picks the port.
 */
export async function createPlatformApp(
  rootModule: DynamicModule,
  config: AppConfig,
  options: PlatformAppOptions,
): Promise<PlatformApp> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: options.name });
  const app = await NestFactory.create<NestFastifyApplication>(
    withExtraImports(rootModule, options.extraImports),
    createFastifyAdapter(config, logger),
    // bodyParser off: Fastify's own JSON parser is the only one (no urlencoded bodies).
    { logger: new PinoNestLogger(logger), abortOnError: false, bodyParser: false },
  );
  // First, so every response carries them (shed and fast-path ones too), and before any route is added.
  installSecurityHeaders(app.getHttpAdapter().getInstance(), options.htmlPaths ?? []);
  await options.configure?.(app, logger);
  return { app, logger };
}

function withExtraImports(rootModule: DynamicModule, extra: ModuleMetadata['imports']): DynamicModule {
  if (!extra?.length) return rootModule;
  @Module({})
  class PlatformAppWithExtras {}
  return { module: PlatformAppWithExtras, imports: [rootModule, ...extra] };
}
