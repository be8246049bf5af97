import 'reflect-metadata';
import type { Job } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '@platform/config';
import type { RedisClient } from '@platform/redis';
import { queueSettings } from '../queue-definitions';
import { QUEUE_PROCESSORS } from '../queue.tokens';
import type { JobRunner } from './job-runner';
import { ProcessorFor, type JobHandlers } from './queue-processor';
import { QueueProcessorHost } from './queue-processor-host';
import { QueueWorkerModule, registerProcessors, type RegisteredProcessor } from './queue-worker.module';
import { QueueWorkers } from './queue-workers';
import { workerOptions } from './worker-options';

// @nestjs/bullmq's metadata keys (bull.constants): what its explorer reads to build a worker.
const PROCESSOR_METADATA = 'bullmq:processor_metadata';
const WORKER_METADATA = 'bullmq:worker_metadata';

@ProcessorFor('jobs')
class JobsProcessor extends QueueProcessorHost<'jobs'> {
  readonly handlers = {} as JobHandlers<'jobs'>;
}
@ProcessorFor('webhooks')
class WebhooksProcessor extends QueueProcessorHost<'webhooks'> {
  readonly handlers = {} as JobHandlers<'webhooks'>;
}
@ProcessorFor('recommendations')
class RecommendationsProcessor extends QueueProcessorHost<'recommendations'> {
  readonly handlers = {} as JobHandlers<'recommendations'>;
}
@ProcessorFor('jobs')
class SecondJobsProcessor extends QueueProcessorHost<'jobs'> {
  readonly handlers = {} as JobHandlers<'jobs'>;
}

// A processor whose decorator names another queue than its handlers does not compile.
// @ts-expect-error handlers of 'webhooks' under @ProcessorFor('jobs')
@ProcessorFor('jobs')
export class MislabelledProcessor extends QueueProcessorHost<'webhooks'> {
  readonly handlers = {} as JobHandlers<'webhooks'>;
}

const ALL = [JobsProcessor, WebhooksProcessor, RecommendationsProcessor];

describe('QueueWorkerModule', () => {
  it('refuses to boot when a declared queue has no processor, or one has two', () => {
    expect(() => registerProcessors([JobsProcessor, WebhooksProcessor])).toThrow(
      /No processor for queue "recommendations"/,
    );
    expect(() => registerProcessors([])).toThrow(
      /No processor for queues "recommendations", "webhooks", "jobs"/,
    );
    expect(() => registerProcessors([...ALL, SecondJobsProcessor])).toThrow(
      /Queue "jobs" has 2 processors \(JobsProcessor, SecondJobsProcessor\)/,
    );
    expect(() => registerProcessors([class Plain {} as never])).toThrow(/Plain is not a processor/);
  });

  it('provides each processor under its own class, as a subclass made for this application', () => {
    const first = registerProcessors(ALL);
    const second = registerProcessors(ALL);
    for (const [i, r] of first.entries()) {
      expect(r.host.prototype).toBeInstanceOf(r.processor);
      expect(r.host.name).toBe(r.processor.name);
      expect(r.host).not.toBe(second[i].host);
    }
    const module = QueueWorkerModule.forProcessors(ALL);
    expect(module.providers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ provide: JobsProcessor, useClass: expect.any(Function) }),
      ]),
    );
    expect(module.providers).toEqual(
      expect.arrayContaining([expect.objectContaining({ provide: QUEUE_PROCESSORS })]),
    );
  });

  it("sets @nestjs/bullmq processor metadata with this app's worker options on the app's subclass only", () => {
    const config = loadConfig({ QUEUE_CONCURRENCY: '7', QUEUE_STALLED_INTERVAL_MS: '12000' });
    const settings = queueSettings(config);
    const connection = { status: 'wait' } as unknown as RedisClient;
    const processors: RegisteredProcessor[] = registerProcessors(ALL).map((r) => ({
      ...r,
      instance: new r.host(),
    }));
    const fake = {} as never;
    new QueueWorkers(config, settings, connection, processors, fake, fake);
    for (const { queue, host, processor } of processors) {
      expect(Reflect.getMetadata(PROCESSOR_METADATA, host)).toEqual({ name: queue });
      expect(Reflect.getMetadata(WORKER_METADATA, host)).toMatchObject({
        connection,
        autorun: false,
        concurrency: 7,
        lockDuration: 12_000,
        stalledInterval: 12_000,
        prefix: `${config.redis.keyPrefix}{bull}`,
      });
      expect(Reflect.getMetadata(PROCESSOR_METADATA, processor)).toBeUndefined();
    }
  });
});

describe('workerOptions', () => {
  it('names everything that differs from the producer queue: connection, paused start, locks, retention, metrics', () => {
    const config = loadConfig({});
    const settings = queueSettings(config).webhooks;
    const connection = {} as RedisClient;
    const options = workerOptions(settings, config, connection);
    expect(options.connection).toBe(connection);
    expect(options).toMatchObject({
      autorun: false,
      concurrency: settings.concurrency,
      maxStalledCount: 1,
      metrics: { maxDataPoints: 1440 },
      removeOnComplete: {
        count: settings.retention.completed.count,
        age: settings.retention.completed.ageSeconds,
      },
      removeOnFail: { count: settings.retention.failed.count, age: settings.retention.failed.ageSeconds },
    });
  });
});

describe('QueueProcessorHost', () => {
  it('declares three parameters, so BullMQ passes its cancellation signal to the processor', () => {
    const host = new JobsProcessor();
    // @nestjs/bullmq binds `process`; BullMQ checks the bound function's length.
    expect(host.process.bind(host).length).toBe(3);
  });

  it('hands each job to its runner, and refuses jobs before it has one', async () => {
    const host = new JobsProcessor();
    const job = { queueName: 'jobs' } as Job;
    await expect(host.process(job)).rejects.toThrow(/No job runner for queue jobs/);
    const process = vi.fn(async () => 'done');
    host.runWith({ process } as unknown as JobRunner);
    const signal = new AbortController().signal;
    await expect(host.process(job, 'token', signal)).resolves.toBe('done');
    expect(process).toHaveBeenCalledWith(job, 'token', signal);
  });
});
