import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { TierLimits } from '../tiers/tiers.service';

/** Who is calling: set by ApiKeyGuard on every authenticated request. */
export interface Caller {
  apiKeyId: string;
  name: string;
  tier: TierLimits;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** `@CurrentCaller() caller: Caller` in a handler behind ApiKeyGuard. */
export const CurrentCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<FastifyRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without ApiKeyGuard');
  return caller;
});
