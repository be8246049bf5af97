import { FlowProducer, Queue } from 'bullmq';
import type { AppConfig } from '@platform/config';
import { bullmqTelemetry } from '@platform/observability';
import {
  closeRedis,
  createRedis,
  waitUntilReady,
  type RedisClient,
  type RedisConnectionSettings,
} from '@platform/redis';
import { ReplicaAcks } from './producer/replica-acks';
import { QUEUE_NAMES, type QueueName } from './queue-definitions';

/**
 * Where jobs are added. When replicas must confirm the adds (Sentinel, Cluster), the adds get a
 * connection of their own: WAIT holds the connection it runs on until the replicas answer (the whole
 * timeout while one is missing), and queue reads (depths, job status, health, metrics) must not wait
 * behind it. With one server the adds share the registry's connection and nothing is waited for.
 */
export class QueueWriters {
  private constructor(
    readonly connection: RedisClient,
    private readonly queues: ReadonlyMap<QueueName, Queue>,
    readonly flows: FlowProducer,
    /** Absent when no replica is required. */
    readonly acks: ReplicaAcks | undefined,
    private readonly owned: boolean,
  ) {}

  static shared(connection: RedisClient, queues: ReadonlyMap<QueueName, Queue>, flows: FlowProducer) {
    return new QueueWriters(connection, queues, flows, undefined, false);
  }

  static dedicated(
    settings: RedisConnectionSettings,
    prefix: string,
    { dispatchReplicas, dispatchWaitMs }: AppConfig['queue'],
  ): QueueWriters {
    const connection = createRedis('bullmq-producer', {
      ...settings,
      connectionName: `${settings.connectionName}:dispatch`,
    });
    connection.on('error', () => undefined); // an add fails and the outbox keeps the row
    const queues = new Map<QueueName, Queue>();
    for (const name of QUEUE_NAMES) {
      const queue = new Queue(name, { connection, prefix, telemetry: bullmqTelemetry() });
      queue.on('error', () => undefined);
      queues.set(name, queue);
    }
    const flows = new FlowProducer({ connection, prefix, telemetry: bullmqTelemetry() });
    flows.on('error', () => undefined);
    const acks = new ReplicaAcks(
      connection,
      `${prefix}:${QUEUE_NAMES[0]}:id`,
      dispatchReplicas,
      dispatchWaitMs,
    );
    return new QueueWriters(connection, queues, flows, acks, true);
  }

  get(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  get isConnected(): boolean {
    return this.connection.status === 'ready';
  }

  async ready(timeoutMs: number): Promise<boolean> {
    return waitUntilReady(this.connection, timeoutMs);
  }

  async close(): Promise<void> {
    if (!this.owned) return;
    await Promise.allSettled([...[...this.queues.values()].map((q) => q.close()), this.flows.close()]);
    await closeRedis(this.connection);
  }
}
