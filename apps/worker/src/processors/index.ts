import { JobsProcessor } from './jobs.processor';
import { RecommendationsProcessor } from './recommendations.processor';
import { WebhooksProcessor } from './webhooks.processor';

/**
 * One processor per queue (the worker refuses to boot when a queue in QUEUE_NAMES has none). To work
 * a declared queue, add `<queue>.processor.ts` with a `@ProcessorFor('<queue>')` class extending
 * `QueueProcessorHost<'<queue>'>` and list it here; its concurrency, timeout, retries and retention
 * come from the queue record in libs/queue.
 */
export const PROCESSORS = [JobsProcessor, RecommendationsProcessor, WebhooksProcessor];
