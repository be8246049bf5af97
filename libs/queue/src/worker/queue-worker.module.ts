import { Module, type DynamicModule, type ModuleMetadata, type Type } from '@nestjs/common';
import { createRedis, REDIS_SETTINGS, type RedisClient, type RedisConnectionSettings } from '@platform/redis';
import { QUEUE_NAMES, type QueueName } from '../queue-definitions';
import { QUEUE_PROCESSORS, QUEUE_WORKER_CONNECTION } from '../queue.tokens';
import { queueOfProcessor, type ProcessorClass } from './queue-processor';
import type { QueueProcessorHost } from './queue-processor-host';
import { QueueWorkers } from './queue-workers';

export interface ProcessorRegistration {
  queue: QueueName;
  /** The class as written (the provider token: `app.get(JobsProcessor)`). */
  processor: ProcessorClass;
  /** This application's subclass of it, which carries the @Processor metadata. */
  host: ProcessorClass;
}

export interface RegisteredProcessor extends ProcessorRegistration {
  instance: QueueProcessorHost<never>;
}

/**
 * One processor per declared queue, or the boot stops: a queue nobody works would take jobs (and
 * answer 202) and never run them.
 */
export function registerProcessors(processors: readonly ProcessorClass[]): ProcessorRegistration[] {
  const byQueue = new Map<QueueName, ProcessorClass[]>();
  for (const processor of processors) {
    const queue = queueOfProcessor(processor);
    byQueue.set(queue, [...(byQueue.get(queue) ?? []), processor]);
  }
  for (const [queue, classes] of byQueue) {
    if (classes.length > 1) {
      throw new Error(
        `Queue "${queue}" has ${classes.length} processors (${classes.map((c) => c.name).join(', ')}): keep one`,
      );
    }
  }
  const missing = QUEUE_NAMES.filter((queue) => !byQueue.has(queue));
  if (missing.length > 0) {
    throw new Error(
      `No processor for queue${missing.length > 1 ? 's' : ''} ${missing.map((q) => `"${q}"`).join(', ')}: ` +
        `every queue in QUEUE_NAMES needs a @ProcessorFor class in the worker's processors, or its jobs never run`,
    );
  }
  return processors.map((processor) => ({
    queue: queueOfProcessor(processor),
    processor,
    host: perApplication(processor),
  }));
}

/**
 * A subclass of the processor for one application: QueueWorkers sets the queue's worker options
 * (the connection included) on it as @Processor metadata, and metadata on the shared class would
 * leak from one application to the next in a process that builds two (tests do).
 */
function perApplication(processor: ProcessorClass): ProcessorClass {
  // Typed as a plain class to extend: TypeScript would ask the (empty) subclass for `handlers` again.
  const base: Type<object> = processor;
  const host = class extends base {};
  Object.defineProperty(host, 'name', { value: processor.name });
  return host as ProcessorClass;
}

/** Role 'bullmq-worker': maxRetriesPerRequest null (blocking commands), waits through Redis outages. */
const workerConnection = {
  provide: QUEUE_WORKER_CONNECTION,
  inject: [REDIS_SETTINGS],
  useFactory: (settings: RedisConnectionSettings): RedisClient => {
    const connection = createRedis('bullmq-worker', settings);
    connection.on('error', () => undefined); // reported by readiness (the workers' start gate)
    return connection;
  },
};

/**
 * The consumer side (worker app only): each processor becomes a @nestjs/bullmq processor whose
 * worker QueueWorkers starts once Redis and Postgres answer and drains on shutdown.
 */
@Module({})
export class QueueWorkerModule {
  /** `imports`: the modules the processors inject from (the cache, say), besides the global ones. */
  static forProcessors(
    processors: readonly ProcessorClass[],
    imports: NonNullable<ModuleMetadata['imports']> = [],
  ): DynamicModule {
    const registrations = registerProcessors(processors);
    return {
      module: QueueWorkerModule,
      imports,
      providers: [
        workerConnection,
        ...registrations.map(({ processor, host }) => ({ provide: processor, useClass: host })),
        {
          provide: QUEUE_PROCESSORS,
          inject: registrations.map((r) => r.processor),
          useFactory: (...instances: Array<QueueProcessorHost<never>>): RegisteredProcessor[] =>
            registrations.map((r, i) => ({ ...r, instance: instances[i] })),
        },
        QueueWorkers,
      ],
      exports: [QueueWorkers],
    };
  }
}
