import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

type Directives = Record<string, string[]>;

/**
 * A JSON API's policy: a response may load nothing and be framed by no page, so a response that a
 * browser renders anyway (an error page, a mistyped body) cannot run or pull in anything.
 */
const API_DIRECTIVES: Directives = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/**
 * The HTML pages we serve (the OpenAPI UI, Bull Board): their own scripts, inline styles (both UIs
 * set style attributes), data: images, calls back to this origin, and the web font Bull Board's
 * page links. No inline or third-party script.
 */
const UI_DIRECTIVES: Directives = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
  fontSrc: ["'self'", 'data:', 'https://fonts.gstatic.com'],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
};

/**
 * Security headers on every response (@fastify/helmet): CSP, HSTS, nosniff, frame and referrer
 * policies, cross-origin isolation. Routes under `uiPrefixes` get the UI policy instead of the API
 * one. Register before any route: the per-route policy is set as routes are added.
 */
export async function installSecurityHeaders(
  fastify: FastifyInstance,
  uiPrefixes: readonly string[] = [],
): Promise<void> {
  // Runs before helmet's own onRoute hook (added below), which reads the route's `helmet` option.
  fastify.addHook('onRoute', (route) => {
    if (!uiPrefixes.some((prefix) => route.url === prefix || route.url.startsWith(`${prefix}/`))) return;
    route.helmet = { contentSecurityPolicy: { useDefaults: false, directives: UI_DIRECTIVES } };
  });
  await fastify.register(helmet, {
    // Helmet's defaults are for web sites (and add upgrade-insecure-requests, which breaks the UIs
    // on a plain-HTTP port); this is an API first.
    contentSecurityPolicy: { useDefaults: false, directives: API_DIRECTIVES },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
