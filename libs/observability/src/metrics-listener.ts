import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { register } from 'prom-client';
import { answerClusterMetricsRequests, currentMetrics } from './cluster-metrics';

export const METRICS_LISTENER_OPTIONS = Symbol('METRICS_LISTENER_OPTIONS');

export interface MetricsListenerOptions {
  port: number;
  host: string;
}

/**
 * /metrics on a port of its own, and nothing else there: the public port (behind the load balancer)
 * no longer shows the platform's internals to anyone, and the network policy can open this one to
 * Prometheus only. Up before the app's port and closed after it, so a draining instance is still
 * scraped. Cluster workers share the port like the public one; any of them answers for the group.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: FastifyInstance;

  constructor(@Inject(METRICS_LISTENER_OPTIONS) private readonly options: MetricsListenerOptions) {
    answerClusterMetricsRequests();
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = Fastify({ logger: false });
    server.get('/metrics', async (_request, reply) => {
      void reply.header('content-type', register.contentType);
      return currentMetrics();
    });
    await server.listen({ port: this.options.port, host: this.options.host });
    this.server = server;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}
