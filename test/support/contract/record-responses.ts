import { afterAll, expect } from 'vitest';
import { isApiResponse } from './exemptions';
import { OpenApiContract } from './openapi-contract';

/**
 * Setup file of the integration tests: every response that a test receives through fetch from a
 * `/v1/` route of an API the test support started is checked against the OpenAPI document (status and body). Mismatches are collected
 * and the test file fails at its end, listing them. Fix the document (the controllers' decorators)
 * when the response is right; fix the code when it is not.
 */
const contract = new OpenApiContract();
const pending: Array<Promise<string | undefined>> = [];
const originalFetch = globalThis.fetch;

globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
  const response = await originalFetch(input, init);
  const request = input instanceof Request ? input : undefined;
  const url = response.url || (request?.url ?? (input instanceof URL ? input.href : (input as string)));
  const parsed = new URL(url);
  const { pathname } = parsed;
  const method = init?.method ?? request?.method ?? 'GET';
  // CORS preflights are the browser's protocol, answered before routing, not operations of the API.
  if (isApiResponse(parsed) && method.toUpperCase() !== 'OPTIONS') {
    pending.push(
      response
        .clone()
        .text()
        .then((body) => {
          const problem = contract.check({
            method,
            url,
            status: response.status,
            contentType: response.headers.get('content-type'),
            body: method.toUpperCase() === 'HEAD' ? '' : body,
          });
          return problem && `${method} ${pathname} → ${response.status}: ${problem}`;
        })
        // A body the test aborted or never read completely is not the contract's business.
        .catch(() => undefined),
    );
  }
  return response;
};

afterAll(async () => {
  const problems = [...new Set((await Promise.all(pending)).filter(Boolean))];
  expect(problems, 'responses that do not match the OpenAPI document').toEqual([]);
});
