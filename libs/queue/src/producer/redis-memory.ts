import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Cluster, type Redis } from 'ioredis';
import { InjectConfig, type AppConfig } from '@platform/config';
import type { RedisClient } from '@platform/redis';
import { addMemorySource, memoryGuardRejections } from '../queue-metrics';
import { QueueRegistry } from '../queue-registry';
import { MemoryGuard, type MemoryReading } from './memory-guard';
import { producerTimeoutMs, RedisMemoryHighError, withTimeout } from './queue-errors';

/** How long an INFO memory reading is reused: the guard costs one round trip per second per process. */
const READ_EVERY_MS = 1_000;
/** Memory is freed when workers finish jobs and retention trims them: seconds, not milliseconds. */
const RETRY_AFTER_S = 5;

/**
 * The memory guard on the queues' Redis (the producer connection, so it reads the server jobs are
 * written to), with its gauges and its reading for /health/detailed (`status()`).
 */
@Injectable()
export class RedisMemory implements OnModuleInit, OnApplicationShutdown {
  readonly guard: MemoryGuard;
  private readonly rejections = memoryGuardRejections();
  private removeSource?: () => void;

  constructor(registry: QueueRegistry, @InjectConfig() config: AppConfig) {
    const timeoutMs = producerTimeoutMs(config);
    this.guard = new MemoryGuard(
      { ratio: config.redis.memoryGuardRatio, cacheMs: READ_EVERY_MS, retryAfterSeconds: RETRY_AFTER_S },
      () => withTimeout(readMemory(registry.connection), timeoutMs, 'INFO memory'),
    );
  }

  /** Throws RedisMemoryHighError (503) when writing `bytes` more would pass the threshold. */
  async admit(bytes: number): Promise<void> {
    try {
      await this.guard.admit(bytes);
    } catch (error) {
      if (error instanceof RedisMemoryHighError) this.rejections.inc();
      throw error;
    }
  }

  /**
   * A fresh reading (at most READ_EVERY_MS old) with the threshold past which jobs are refused (null:
   * no maxmemory, no guard); undefined when INFO memory could not be read (Redis unreachable).
   */
  async status(): Promise<{ usedBytes: number; maxBytes: number; limitBytes: number | null } | undefined> {
    await this.guard.refresh();
    const reading = this.guard.lastReading;
    if (!reading) return undefined;
    return { ...reading, limitBytes: this.guard.limitBytes ?? null };
  }

  onModuleInit(): void {
    this.removeSource = addMemorySource(this.guard);
  }

  onApplicationShutdown(): void {
    this.removeSource?.();
  }
}

/** used_memory and maxmemory; on a cluster, of the fullest master (the queues' slot is on one of them). */
async function readMemory(client: RedisClient): Promise<MemoryReading> {
  const servers: Array<Redis | RedisClient> = client instanceof Cluster ? client.nodes('master') : [client];
  const readings = await Promise.all(
    servers.map(async (server) => {
      const info = await server.info('memory');
      const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
      return { usedBytes: field('used_memory'), maxBytes: field('maxmemory') };
    }),
  );
  const share = (r: MemoryReading) => (r.maxBytes > 0 ? r.usedBytes / r.maxBytes : 0);
  return readings.reduce((a, b) => (share(b) > share(a) ? b : a));
}
