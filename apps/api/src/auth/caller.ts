import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ThrottleSubject } from '@platform/throttling';
import type { TierLimits } from '../tiers/tiers.service';

/** Who is calling: set by ApiKeyGuard on every authenticated request. */
export interface Caller {
  apiKeyId: string;
  name: string;
  tier: TierLimits;
  /** The tenant whose users this key sees; every user id in a request means a user of this tenant. */
  tenantId: string;
  tenantName: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** The caller's token bucket: one per API key, with its tier's limits. */
export function throttleSubjectOf(caller: Caller): ThrottleSubject {
  return {
    id: caller.apiKeyId,
    tier: caller.tier.name,
    limits: { burst: caller.tier.burst, ratePerMinute: caller.tier.ratePerMinute },
  };
}

/**
 * The replica router's name for an API key's reads and writes: the requests it makes read its own
 * writes (ConsistencyInterceptor), and a write made for it off its request records the same name.
 */
export function callerConsistencyKey(apiKeyId: string): string {
  return `api-key:${apiKeyId}`;
}

/** `@CurrentCaller() caller: Caller` in a handler behind ApiKeyGuard. */
export const CurrentCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<FastifyRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without ApiKeyGuard');
  return caller;
});
