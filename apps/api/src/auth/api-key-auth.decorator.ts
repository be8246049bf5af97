import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import { AuthenticatedRoute } from '@platform/throttling';

/** Marks routes that ApiKeyGuard authenticates (see request-pipeline.ts). */
export const API_KEY_ROUTE = 'platform:auth:api-key';

/**
 * The one decorator a feature controller (or route) needs: API-key auth, then the caller's tier
 * bucket, after load shedding and the failed-auth bucket (the order is the request pipeline's). Use
 * `@ThrottleCost(n)` for expensive routes.
 */
export const ApiKeyAuth = () =>
  applyDecorators(AuthenticatedRoute(), SetMetadata(API_KEY_ROUTE, true), ApiSecurity('api-key'));
