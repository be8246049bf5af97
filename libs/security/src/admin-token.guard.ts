import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InjectConfig, type AppConfig } from '@platform/config';
import { ApiError } from '@platform/http';
import { bearerOrHeader } from './credentials';
import { CREDENTIAL_ATTEMPTS, type CredentialAttempts } from './credential-attempts';
import { secretsEqual } from './secrets';

/**
 * Guards operator routes (`/v1/admin/*`, `/health/detailed`) with ADMIN_TOKEN, given as a Bearer
 * token or `x-admin-token`. With no token configured every call is refused: there is no open mode.
 *
 * Every check draws on the client address's failed-auth bucket when the app has one (the API does;
 * the worker's probe port has none): a wrong token takes an attempt, and once none is left every
 * token, the right one included, gets 429. ADMIN_TOKEN may be a chosen word, so a right guess must
 * not stand out from the refusals.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    @Optional() @Inject(CREDENTIAL_ATTEMPTS) private readonly attempts?: CredentialAttempts,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const expected = this.config.admin.token;
    if (!expected) {
      throw new ApiError(404, 'not_found', 'Admin routes are disabled: ADMIN_TOKEN is not set');
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const given = bearerOrHeader(request.headers, 'x-admin-token');
    if (!given) {
      this.attempts?.failedWithoutLookup(request.ip);
    } else if (secretsEqual(given, expected)) {
      await this.attempts?.passed(request.ip);
      return true;
    } else {
      await this.attempts?.failed(request.ip);
    }
    throw new ApiError(401, 'unauthorized', 'A valid admin token is required');
  }
}
