import { Module, VersioningType, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@platform/config';
import { createFastifyAdapter } from '@platform/http';
import { createLogger, PinoNestLogger } from '@platform/observability';
import { ApiModule } from '../../apps/api/src/api.module';
import { checkContractOf, exemptFromContract } from './contract/exemptions';
import type { RunningApp } from './in-process-app';

/**
 * The real API module plus test-only controllers (composed here, never in production code), on a real
 * port in the test process. `imports` are modules the controllers need (e.g. TypeOrmModule.forFeature).
 */
export async function startApiWithControllers(
  env: Record<string, string | undefined>,
  controllers: Type[],
  imports: Type[] | unknown[] = [],
): Promise<RunningApp> {
  exemptFromContract(...controllers);
  const config = loadConfig(env);
  const logs: string[] = [];
  const logger = createLogger({
    level: config.logLevel,
    name: 'api',
    destination: { write: (line: string) => void logs.push(line) },
  });

  @Module({ imports: [ApiModule.forRoot(config), ...(imports as Type[])], controllers })
  class ApiWithTestControllers {}

  const app = await NestFactory.create<NestFastifyApplication>(
    ApiWithTestControllers,
    createFastifyAdapter(config, logger),
    { logger: new PinoNestLogger(logger), abortOnError: false, bodyParser: false },
  );
  app.enableVersioning({ type: VersioningType.URI });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  checkContractOf(baseUrl);
  return { app, config, baseUrl, logs, close: () => app.close() };
}
