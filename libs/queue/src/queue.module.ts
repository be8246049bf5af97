import { Global, Module } from '@nestjs/common';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '@platform/config';
import { bullmqTelemetry } from '@platform/observability';
import { createRedis, REDIS_SETTINGS, type RedisClient, type RedisConnectionSettings } from '@platform/redis';
import { Outbox } from './outbox/outbox.service';
import { PendingJobs } from './pending/pending-jobs';
import { AdmittedProducer } from './producer/admitted-producer';
import { JobProducer } from './producer/job-producer';
import { QueueGates } from './producer/queue-gates';
import { RedisMemory } from './producer/redis-memory';
import { QUEUE_NAMES, queueSettings, type QueueName } from './queue-definitions';
import { bullPrefix, QueueRegistry } from './queue-registry';
import { QUEUE_FLOWS, QUEUE_PRODUCER_CONNECTION, QUEUE_SETTINGS, QUEUES } from './queue.tokens';
import { DurableWrites } from './writes/durable-writes';

/**
 * Role 'bullmq-producer': no offline queue, so an add while Redis is down fails at once (the outbox
 * keeps the write) instead of waiting for it. Closed by QueueRegistry, once the queues are closed.
 */
const producerConnection = {
  provide: QUEUE_PRODUCER_CONNECTION,
  inject: [REDIS_SETTINGS],
  useFactory: (settings: RedisConnectionSettings): RedisClient => {
    const connection = createRedis('bullmq-producer', settings);
    connection.on('error', () => undefined); // reported by readiness and health details
    return connection;
  },
};

/** Exported too, so app code can use `@InjectQueue(name)` and `@InjectFlowProducer(QUEUE_FLOWS)`. */
const registeredQueues = BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name })));
// Not disconnected on shutdown (its default): that would drop the connection the queues share.
const registeredFlows = BullModule.registerFlowProducer({
  name: QUEUE_FLOWS,
  forceDisconnectOnShutdown: false,
});

const queuesByName = {
  provide: QUEUES,
  inject: QUEUE_NAMES.map((name) => getQueueToken(name)),
  useFactory: (...queues: Queue[]): ReadonlyMap<QueueName, Queue> =>
    new Map(QUEUE_NAMES.map((name, i) => [name, queues[i]])),
};

/**
 * Producers, the outbox, durable writes and queue metrics/health: import once in each app. Every declared queue and
 * the flow producer are registered with @nestjs/bullmq, on the producer connection, under the
 * hash-tagged prefix and with BullMQ telemetry; QueueRegistry is the typed view of them. Global: its
 * producer connection closes after @nestjs/bullmq's queue modules (which it imports) closed their queues.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [QUEUE_PRODUCER_CONNECTION, APP_CONFIG],
      useFactory: (connection: RedisClient, config: AppConfig) => ({
        connection,
        prefix: bullPrefix(config),
        telemetry: bullmqTelemetry(),
      }),
    }),
    registeredQueues,
    registeredFlows,
  ],
  providers: [
    { provide: QUEUE_SETTINGS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => queueSettings(c) },
    producerConnection,
    queuesByName,
    QueueRegistry,
    RedisMemory,
    QueueGates,
    JobProducer,
    AdmittedProducer,
    PendingJobs,
    Outbox,
    DurableWrites,
  ],
  exports: [
    QUEUE_SETTINGS,
    QUEUE_PRODUCER_CONNECTION,
    QueueRegistry,
    RedisMemory,
    JobProducer,
    AdmittedProducer,
    PendingJobs,
    Outbox,
    DurableWrites,
    registeredQueues,
    registeredFlows,
  ],
})
export class QueueModule {}
