import helmet from 'helmet';
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

/** What both policies share: no framing, no referrer, HSTS and nosniff (helmet's defaults). */
const COMMON = {
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
} as const;

/**
 * JSON responses: the headers that matter for an API (OWASP REST cheat sheet: CSP, HSTS, nosniff,
 * frame options), without the ones that only steer how a browser treats an HTML document (DNS
 * prefetch, IE download options, Flash cross-domain policies, origin-keyed agent clusters, the legacy
 * XSS filter): they are bytes on every response and nothing a JSON body uses.
 */
const API_HELMET = {
  ...COMMON,
  // Helmet's defaults are for web sites (and add upgrade-insecure-requests, which breaks the UIs on
  // a plain-HTTP port); this is an API first.
  contentSecurityPolicy: { useDefaults: false, directives: API_DIRECTIVES },
  dnsPrefetchControl: false,
  ieNoOpen: false,
  permittedCrossDomainPolicies: false,
  originAgentCluster: false,
  xssFilter: false,
} as const;

const UI_HELMET = {
  ...COMMON,
  contentSecurityPolicy: { useDefaults: false, directives: UI_DIRECTIVES },
} as const;

/**
 * Security headers on every response, by helmet: CSP, HSTS, nosniff, frame and referrer policies,
 * cross-origin isolation. Paths under `uiPrefixes` get the UI policy instead of the API one.
 *
 * helmet itself rather than @fastify/helmet: the plugin builds helmet's middleware anew on every
 * request (parsing the CSP directives each time) in two hooks, one of them async; measured on the
 * cached read, that was about 7 % of the API's CPU. The two middlewares here are built once, and one
 * synchronous hook picks one. Register before any route hook that may answer (the fast path), so
 * every answer carries the headers.
 */
export function installSecurityHeaders(fastify: FastifyInstance, uiPrefixes: readonly string[] = []): void {
  const api = helmet(API_HELMET);
  const ui = helmet(UI_HELMET);
  const isUi = (path: string) =>
    uiPrefixes.some(
      (prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`),
    );
  fastify.addHook('onRequest', (request, reply, done) => {
    (isUi(request.routeOptions.url ?? request.url) ? ui : api)(request.raw, reply.raw, (error?: unknown) =>
      done(error as Error | undefined),
    );
  });
}
