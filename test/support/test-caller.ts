import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { readFromPrimary, runAs, runWithoutCaller } from '@platform/database';

/** Names the caller a request runs as (any string); without it the request has no caller. */
export const TEST_CALLER_HEADER = 'x-test-caller';
/** `1`: every read of the request goes to the primary, as an operator's request does in the API. */
export const TEST_READ_FROM_PRIMARY_HEADER = 'x-test-read-from-primary';

/** The consistency key a request with `x-test-caller: <name>` runs as. */
export function testCallerKey(name: string): string {
  return `test-caller:${name}`;
}

/**
 * Stands in for the API's auth and ConsistencyInterceptor in tests of libs, with the database lib's
 * own scopes: the handler runs as the caller the `x-test-caller` header names (`runAs`), or with no
 * caller (`runWithoutCaller`: after a write, the request's later reads go to the primary);
 * `x-test-read-from-primary: 1` puts every read of the request on the primary (`readFromPrimary`).
 * A header anyone can set is no identity: test-only, never in production code.
 */
@Injectable()
export class TestCallerInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const caller = request.headers[TEST_CALLER_HEADER];
    const primary = request.headers[TEST_READ_FROM_PRIMARY_HEADER] === '1';
    // Nest binds the handler to the async context in which handle() is called: the scope opened here.
    const handle = () => (primary ? readFromPrimary(() => next.handle()) : next.handle());
    return typeof caller === 'string' && caller !== ''
      ? runAs(testCallerKey(caller), handle)
      : runWithoutCaller(handle);
  }
}
