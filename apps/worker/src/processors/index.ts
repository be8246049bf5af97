import { JobsProcessor } from './jobs.processor';

/**
 * One processor per queue. To work a declared queue, add `<queue>.processor.ts` with a
 * `@ProcessorFor('<queue>')` class and list it here; its concurrency, timeout, retries and
 * retention come from the queue record in libs/queue. `recommendations` and `webhooks` are declared
 * (producers can enqueue to them) and wait for their processors.
 */
export const PROCESSORS = [JobsProcessor];
