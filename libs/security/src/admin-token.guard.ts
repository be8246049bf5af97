import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InjectConfig, type AppConfig } from '@platform/config';
import { ApiError } from '@platform/http';
import { bearerOrHeader } from './credentials';
import { secretsEqual } from './secrets';

/**
 * Guards operator routes (`/v1/admin/*`, `/health/detailed`) with ADMIN_TOKEN, given as a Bearer
 * token or `x-admin-token`. With no token configured every call is refused: there is no open mode.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@InjectConfig() private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.admin.token;
    if (!expected) {
      throw new ApiError(404, 'not_found', 'Admin routes are disabled: ADMIN_TOKEN is not set');
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const given = bearerOrHeader(request.headers, 'x-admin-token');
    if (!given || !secretsEqual(given, expected)) {
      throw new ApiError(401, 'unauthorized', 'A valid admin token is required');
    }
    return true;
  }
}
