import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { readFromPrimary, ReplicaRouter, runAs, runWithoutCaller } from '@platform/database';
import { ADMIN_ROUTE } from '../admin/admin-auth.decorator';
import { callerConsistencyKey } from './caller';

/**
 * Runs each authenticated handler as its API key, so the replica router remembers that caller's writes
 * and sends its next reads only to replicas that have replayed them. Guards run before interceptors,
 * so `request.caller` is already set by ApiKeyGuard. Admin routes read from the primary: an operator
 * sees the latest state (their own writes from any instance, other operators' and the worker's too),
 * and their traffic is too small to matter to the primary. Other routes (anonymous) get a scope of
 * their own: once they write, their later reads in that request go to the primary. Without replicas
 * every read is on the primary and sees every write: no scope is opened at all.
 */
@Injectable()
export class ConsistencyInterceptor implements NestInterceptor {
  constructor(
    private readonly router: ReplicaRouter,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.router.routesReads) return next.handle();
    const caller = context.switchToHttp().getRequest<FastifyRequest>().caller;
    // Nest binds the handler to the async context in which handle() is called: this one.
    if (caller) return runAs(callerConsistencyKey(caller.apiKeyId), () => next.handle());
    const admin = this.reflector.getAllAndOverride<boolean | undefined>(ADMIN_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    return runWithoutCaller(() => (admin ? readFromPrimary(() => next.handle()) : next.handle()));
  }
}
