/** Marks a route whose identity is known only after its own auth guard has run. */
export const AUTHENTICATED_ROUTE = 'platform:throttle:authenticated';
/** Tokens one call to the route takes. */
export const THROTTLE_COST = 'platform:throttle:cost';
