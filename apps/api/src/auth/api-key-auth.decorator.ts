import { applyDecorators } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import { AuthThenThrottle } from '@platform/throttling';
import { ApiKeyGuard } from './api-key.guard';

/**
 * The one decorator a feature controller (or route) needs: API-key auth, then the caller's tier
 * bucket, after load shedding and the failed-auth bucket. Use `@ThrottleCost(n)` for expensive routes.
 */
export const ApiKeyAuth = () => applyDecorators(AuthThenThrottle(ApiKeyGuard), ApiSecurity('api-key'));
