import { Inject, Injectable } from '@nestjs/common';
import { InjectConfig, type AppConfig } from '@platform/config';
import type { QueueName, QueueSettings } from '../queue-definitions';
import { pendingDepth, PENDING_STATES, QueueRegistry } from '../queue-registry';
import { QUEUE_SETTINGS } from '../queue.tokens';
import { BackpressureGate } from './backpressure-gate';
import { producerTimeoutMs, withTimeout } from './queue-errors';

/**
 * One backpressure gate per queue, shared by this process: JobProducer tells it what every add put
 * in the queue (the relay's too), AdmittedProducer asks it before a write and settles what it let in.
 */
@Injectable()
export class QueueGates {
  private readonly gates = new Map<QueueName, BackpressureGate>();
  private readonly timeoutMs: number;

  constructor(
    private readonly registry: QueueRegistry,
    @Inject(QUEUE_SETTINGS) private readonly settings: Readonly<Record<QueueName, QueueSettings>>,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.timeoutMs = producerTimeoutMs(config);
  }

  get(queue: QueueName): BackpressureGate {
    let gate = this.gates.get(queue);
    if (!gate) {
      const s = this.settings[queue];
      const bull = this.registry.get(queue);
      gate = new BackpressureGate(
        {
          queue,
          highWaterMark: s.highWaterMark,
          lowWaterMark: s.lowWaterMark,
          cacheMs: this.config.queue.depthCacheMs,
        },
        async () => {
          const [counts, completed, failed] = await withTimeout(
            Promise.all([
              bull.getJobCounts(...PENDING_STATES),
              bull.getMetrics('completed', 0, 0),
              bull.getMetrics('failed', 0, 0),
            ]),
            this.timeoutMs,
            'queue depth read',
          );
          return { depth: pendingDepth(counts), finished: completed.meta.count + failed.meta.count };
        },
      );
      this.gates.set(queue, gate);
    }
    return gate;
  }
}
