/** The queue record (settings with presets and overrides applied). */
export const QUEUE_SETTINGS = Symbol('QUEUE_SETTINGS');
/** The producers' Redis connection (role 'bullmq-producer'), shared by every registered queue and flow producer. */
export const QUEUE_PRODUCER_CONNECTION = Symbol('QUEUE_PRODUCER_CONNECTION');
/** Every declared queue, by name, as registered with BullModule. */
export const QUEUES = Symbol('QUEUES');
/** The name the flow producer is registered under (`@InjectFlowProducer(QUEUE_FLOWS)`). */
export const QUEUE_FLOWS = 'flows';
/** The workers' Redis connection (role 'bullmq-worker'), shared by every worker of the process. */
export const QUEUE_WORKER_CONNECTION = Symbol('QUEUE_WORKER_CONNECTION');
/** The worker app's processors: queue, class and instance of each. */
export const QUEUE_PROCESSORS = Symbol('QUEUE_PROCESSORS');
