import { SetMetadata } from '@nestjs/common';
import { AUTHENTICATED_ROUTE, THROTTLE_COST } from './throttle-metadata';

/**
 * Marks a route whose caller is known only once its auth has run (the app's pipeline decides which
 * auth): the global guard then only checks the failed-auth bucket for it, and the caller's own bucket
 * is taken after auth by CallerRateLimitGuard.
 */
export const AuthenticatedRoute = () => SetMetadata(AUTHENTICATED_ROUTE, true);

/** Tokens one call takes (default 1): expensive routes cost more of the caller's bucket. */
export const ThrottleCost = (tokens: number) => SetMetadata(THROTTLE_COST, tokens);
