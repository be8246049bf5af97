import { applyDecorators, SetMetadata, UseGuards, type CanActivate, type Type } from '@nestjs/common';
import { CallerRateLimitGuard } from './rate-limit.guards';
import { AUTHENTICATED_ROUTE, THROTTLE_COST } from './throttle-metadata';

/**
 * Load shedding → auth → throttle, in that order. Nest runs global guards before a controller's own,
 * so the global guard only checks the failed-auth bucket on these routes; the caller's bucket is
 * taken here, after `authGuards` (which set `request.rateLimitSubject`).
 */
export function AuthThenThrottle(...authGuards: Array<Type<CanActivate>>) {
  return applyDecorators(
    SetMetadata(AUTHENTICATED_ROUTE, true),
    UseGuards(...authGuards, CallerRateLimitGuard),
  );
}

/** Auth guarded by the failed-auth bucket only: for operator routes (ADMIN_TOKEN) that must stay usable. */
export function AuthWithoutThrottle(...authGuards: Array<Type<CanActivate>>) {
  return applyDecorators(SetMetadata(AUTHENTICATED_ROUTE, true), UseGuards(...authGuards));
}

/** Tokens one call takes (default 1): expensive routes cost more of the caller's bucket. */
export const ThrottleCost = (tokens: number) => SetMetadata(THROTTLE_COST, tokens);
