import { Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { TieredCache } from '@platform/cache';
import { PrimaryReadiness, ReplicaRouter } from '@platform/database';
import { pendingDepth, QueueRegistry, QueueWorkers, RedisMemory } from '@platform/queue';
import { CircuitBreakerRegistry, withDeadline } from '@platform/resilience';

/**
 * The Terminus indicators built from the components' own status methods. A component is checked when
 * the application has it, wherever it is provided (the queue workers exist only in the worker, inside
 * a module that is not global; a tool without queues has no queue components): it is looked up once,
 * after every provider is created, and left out when absent.
 *
 * Readiness runs only `readiness()`: a component there can take the instance out of rotation.
 * Everything in `details()` reports degraded at worst (a replica out of rotation, an open breaker,
 * Redis trouble), so /health/detailed answers 503 for what readiness fails on, not for these.
 */
@Injectable()
export class ComponentIndicators implements OnModuleInit {
  private primary?: PrimaryReadiness;
  private workers?: QueueWorkers;
  private router?: ReplicaRouter;
  private breakers?: CircuitBreakerRegistry;
  private cache?: TieredCache;
  private queues?: QueueRegistry;
  private memory?: RedisMemory;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    this.primary = this.find(PrimaryReadiness);
    this.workers = this.find(QueueWorkers);
    this.router = this.find(ReplicaRouter);
    this.breakers = this.find(CircuitBreakerRegistry);
    this.cache = this.find(TieredCache);
    this.queues = this.find(QueueRegistry);
    this.memory = this.find(RedisMemory);
  }

  /** Components without which this process must not take work: checked by /readyz too. */
  readiness(): HealthIndicatorFunction[] {
    const checks: HealthIndicatorFunction[] = [];
    const { primary, workers } = this;
    if (primary) {
      // On a connection of its own, not the app's pool (see PrimaryReadiness). check() keeps its own
      // deadline; this one is a backstop, under the kubelet's 2 s probe timeout. Both let an answer
      // already on the socket win after a blocked event loop (withDeadline); a plain timer
      // (Terminus' withTimeout) would fail it.
      const backstopMs = primary.timeoutMs * 1.5;
      checks.push(() =>
        this.indicators
          .check('postgres')
          .attempt(() =>
            withDeadline(primary.check(), backstopMs, () => new Error(`timed out after ${backstopMs} ms`)),
          ),
      );
    }
    if (workers) {
      // A worker whose consumers are not running must say so to its orchestrator (a health check on
      // another connection would report healthy while jobs stall).
      checks.push(() => {
        const session = this.indicators.check('workers');
        const status = workers.status();
        return status.state === 'running' ? session.up(status) : session.down(status);
      });
    }
    return checks;
  }

  /** Shown in /health/detailed only: losing any of these must not take the instance out of rotation. */
  details(): HealthIndicatorFunction[] {
    const checks: HealthIndicatorFunction[] = [];
    const { router, breakers, cache, queues, memory } = this;
    if (router) {
      checks.push(() => {
        const session = this.indicators.check('database');
        const detail = router.status();
        // A replica out of rotation costs capacity, not correctness (reads go to the primary): degraded.
        return detail.replicas.every((r) => r.inRotation) ? session.up(detail) : session.degraded(detail);
      });
    }
    if (breakers) {
      checks.push(() => {
        const list = breakers.list();
        const session = this.indicators.check('breakers');
        // An open breaker means a dependency is failing and a fallback is serving: degraded, not down.
        return list.some((b) => b.state !== 'closed')
          ? session.degraded({ breakers: list })
          : session.up({ breakers: list });
      });
    }
    if (cache) {
      checks.push(() => {
        const details = cache.status();
        const session = this.indicators.check('cache');
        // Running on L1 alone still serves every request: degraded, not down.
        return details.l2Breaker === 'closed' ? session.up(details) : session.degraded(details);
      });
    }
    if (queues) {
      checks.push(async () => {
        const session = this.indicators.check('queues');
        try {
          const counted = await queues.counts();
          const over = counted.filter(
            (q) => pendingDepth(q.counts) >= queues.settings[q.queue].highWaterMark,
          );
          const details = {
            queues: Object.fromEntries(
              counted.map((q) => [
                q.queue,
                { ...q.counts, highWaterMark: queues.settings[q.queue].highWaterMark },
              ]),
            ),
          };
          return over.length > 0
            ? session.degraded({ ...details, overHighWaterMark: over.map((q) => q.queue) })
            : session.up(details);
        } catch (error) {
          // Jobs wait in the Postgres outbox meanwhile; a worker without Redis says so in its own
          // readiness ("workers"). So degraded, like the Redis component itself.
          return session.degraded({ message: (error as Error).message, jobsHeldIn: 'outbox' });
        }
      });
    }
    if (memory) {
      checks.push(async () => {
        const session = this.indicators.check('redisMemory');
        const status = await memory.status();
        // Redis unreachable: the Redis component says so (degraded, like it); jobs wait in the outbox.
        if (!status) return session.degraded({ message: 'INFO memory could not be read' });
        return status.limitBytes !== null && status.usedBytes > status.limitBytes
          ? session.degraded({ ...status, message: 'new jobs are refused (503 redis_memory_high)' })
          : session.up(status);
      });
    }
    return checks;
  }

  /** The application's instance of `type`, from whichever module provides it; undefined without one. */
  private find<T>(type: Type<T>): T | undefined {
    try {
      return this.moduleRef.get(type, { strict: false });
    } catch {
      // UnknownElementException: this application has no such component.
      return undefined;
    }
  }
}
