import createClient, { type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema';

export type { paths, components, operations } from './schema';

/**
 * A typed client for the platform's REST API, generated from its OpenAPI document (`npm run openapi`
 * regenerates schema.d.ts; `npm run lint` fails when it is stale). Paths, parameters, bodies and
 * responses are checked by the compiler:
 *
 *   const api = createPlatformClient('http://localhost:3000', { headers: { 'x-api-key': key } });
 *   const { data, error, response } = await api.GET('/v1/jobs/{id}', { params: { path: { id } } });
 */
export function createPlatformClient(baseUrl: string, options: Omit<ClientOptions, 'baseUrl'> = {}) {
  return createClient<paths>({ baseUrl, ...options });
}

export type PlatformClient = ReturnType<typeof createPlatformClient>;
