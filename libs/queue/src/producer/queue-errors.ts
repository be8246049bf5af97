/** A queue is over its high-water mark; retry after `retryAfterSeconds` (REST: 503 + Retry-After). */
export class QueueOverloadedError extends Error {
  constructor(
    readonly queue: string,
    readonly retryAfterSeconds: number,
    readonly depth: number,
  ) {
    super(`Queue ${queue} is overloaded (${depth} waiting); retry in ${retryAfterSeconds} s`);
    this.name = 'QueueOverloadedError';
  }
}

/** Redis cannot be reached right now, so nothing was enqueued. */
export class QueueUnavailableError extends Error {
  constructor(reason: string) {
    super(`Queue unavailable: ${reason}`);
    this.name = 'QueueUnavailableError';
  }
}

/** Rejects after `ms`; producers never hang on a Redis that stopped answering. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new QueueUnavailableError(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
