import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@platform/config';
import { toErrorResponse } from '@platform/http';
import { basicCredentials, secretsEqual } from '@platform/security';
import { QueueRegistry } from '../queue-registry';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Mounts Bull Board at /admin/queues behind HTTP basic auth (ADMIN_USER / ADMIN_PASSWORD). The
 * check is an onRequest hook on the whole prefix, API routes included: the Fastify adapter's own
 * middleware option would leave /admin/queues/api/* open. Without credentials it is not mounted.
 */
export async function mountBullBoard(app: NestFastifyApplication, config: AppConfig): Promise<boolean> {
  const { user, password } = config.admin;
  if (!user || !password) {
    new Logger('BullBoard').warn('ADMIN_USER / ADMIN_PASSWORD unset: Bull Board is not mounted');
    return false;
  }
  const registry = app.get(QueueRegistry);
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: registry.all().map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Platform queues' } },
  });
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const given = basicCredentials(request.headers.authorization);
      if (given && secretsEqual(given.user, user) && secretsEqual(given.password, password)) return;
      const { body } = toErrorResponse(
        Object.assign(new Error('Bull Board needs the admin user and password'), { statusCode: 401 }),
        request.id,
      );
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="Bull Board", charset="UTF-8"')
        .header('cache-control', 'no-store')
        .send({ ...body, error: 'unauthorized' });
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
  });
  return true;
}
