import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { API_KEY_ROUTE } from './api-key-auth.decorator';
import { throttleSubjectOf } from './caller';
import { CallerResolver } from './caller-resolver';

/**
 * The pipeline's auth step for routes marked @ApiKeyAuth(): sets `request.caller` and the caller's
 * throttle subject (CallerThrottleGuard runs next). It also draws on the address's failed-auth
 * bucket, only where a key needs it (see CallerResolver). Other routes pass untouched.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly callers: CallerResolver,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const marked = this.reflector.getAllAndOverride<boolean | undefined>(API_KEY_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!marked) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const caller = await this.callers.resolve(request);
    request.caller = caller;
    request.throttleSubject = throttleSubjectOf(caller);
    return true;
  }
}
