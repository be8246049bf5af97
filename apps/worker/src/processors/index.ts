import { JobsProcessor } from './jobs.processor';
import { RecommendationsProcessor } from './recommendations.processor';
import { WebhooksProcessor } from './webhooks.processor';

/**
 * One processor per queue. To work a declared queue, add `<queue>.processor.ts` with a
 * `@ProcessorFor('<queue>')` class and list it here; its concurrency, timeout, retries and
 * retention come from the queue record in libs/queue.
 */
export const PROCESSORS = [JobsProcessor, RecommendationsProcessor, WebhooksProcessor];
