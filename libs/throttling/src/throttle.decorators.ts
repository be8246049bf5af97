import { SetMetadata } from '@nestjs/common';
import { AUTHENTICATED_ROUTE, THROTTLE_COST, type ThrottleCostOf } from './throttle-metadata';

/**
 * Marks a route whose caller is known only once its auth has run (the app's pipeline decides which
 * auth): the global guard then only checks the failed-auth bucket for it, and the caller's own bucket
 * is taken after auth by CallerThrottleGuard.
 */
export const AuthenticatedRoute = () => SetMetadata(AUTHENTICATED_ROUTE, true);

/**
 * Tokens one call takes (default 1): expensive routes cost more of the caller's bucket. A function
 * makes the cost match the work of each request (e.g. one token per id of a batch); it runs before
 * validation, so it must cope with any input, and its result is clamped to 1..burst (a request the
 * tier allows can always be made with a full bucket).
 */
export const ThrottleCost = (tokens: ThrottleCostOf) => SetMetadata(THROTTLE_COST, tokens);
