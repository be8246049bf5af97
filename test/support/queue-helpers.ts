import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` until it returns a truthy value or the time runs out (then throws with `what`). */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/** A fetch Response whose body tests read loosely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

/** A job as GET /v1/jobs/:id returns it, read loosely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobBody = Record<string, any> & { status: string };

/** JSON POST/GET helpers with an API key. */
export function jsonClient(baseUrl: string, key: string) {
  const headers = { 'x-api-key': key, 'content-type': 'application/json' };
  return {
    post: (path: string, body: unknown): Promise<JsonResponse> =>
      fetch(`${baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) }),
    get: (path: string): Promise<JsonResponse> =>
      fetch(`${baseUrl}${path}`, { headers: { 'x-api-key': key } }),
  };
}
