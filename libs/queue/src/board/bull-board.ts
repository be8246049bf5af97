import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '@platform/config';
import { toErrorResponse } from '@platform/http';
import {
  basicCredentials,
  CREDENTIAL_ATTEMPTS,
  secretsEqual,
  type CredentialAttempts,
} from '@platform/security';
import { QueueRegistry } from '../queue-registry';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Mounts Bull Board at /admin/queues behind HTTP basic auth (ADMIN_USER / ADMIN_PASSWORD). The
 * check is an onRequest hook on the whole prefix, API routes included: the Fastify adapter's own
 * middleware option would leave /admin/queues/api/* open. Without credentials it is not mounted.
 * Like the admin token, every check draws on the client address's failed-auth bucket when the app
 * has one (CredentialAttempts): a wrong password takes an attempt, and once none is left every
 * password, the right one included, gets 429 (a chosen password must not be confirmed by a 200).
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
  const attempts = credentialAttemptsOf(app);
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const given = basicCredentials(request.headers.authorization);
      try {
        if (!given) {
          attempts?.failedWithoutLookup(request.ip);
        } else if (secretsEqual(given.user, user) && secretsEqual(given.password, password)) {
          await attempts?.passed(request.ip);
          return;
        } else {
          await attempts?.failed(request.ip);
        }
      } catch (error) {
        // Out of attempts (429 with Retry-After), in the API's JSON envelope.
        const refused = toErrorResponse(error, request.id);
        return reply
          .code(refused.status)
          .headers(refused.headers)
          .header('cache-control', 'no-store')
          .send(refused.body);
      }
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

/** The app's failed-auth limits, when it has them (the API does). */
function credentialAttemptsOf(app: NestFastifyApplication): CredentialAttempts | undefined {
  try {
    return app.get<CredentialAttempts>(CREDENTIAL_ATTEMPTS, { strict: false });
  } catch {
    return undefined;
  }
}
