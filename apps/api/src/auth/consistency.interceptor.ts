import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { ReplicaRouter, runAs, runWithoutCaller } from '@platform/database';

/**
 * Runs each authenticated handler as its API key, so the replica router remembers that caller's writes
 * and sends its next reads only to replicas that have replayed them. Guards run before interceptors,
 * so `request.caller` is already set by ApiKeyGuard. Other routes (admin, anonymous) get a scope of
 * their own: once they write, their later reads in that request go to the primary. Without replicas
 * every read is on the primary and sees every write: no scope is opened at all.
 */
@Injectable()
export class ConsistencyInterceptor implements NestInterceptor {
  constructor(private readonly router: ReplicaRouter) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.router.routesReads) return next.handle();
    const caller = context.switchToHttp().getRequest<FastifyRequest>().caller;
    // Nest binds the handler to the async context in which handle() is called: this one.
    if (!caller) return runWithoutCaller(() => next.handle());
    return runAs(`api-key:${caller.apiKeyId}`, () => next.handle());
  }
}
