import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { AggregatorRegistry, register } from 'prom-client';

const REQUEST = 'platform:metrics-request';
const RESPONSE = 'platform:metrics-response';

interface MetricsMessage {
  type: string;
  id: string;
  text?: string;
  error?: string;
}

/**
 * In the cluster primary: answer workers' requests for the metrics of the whole process group, so a
 * scrape of /metrics (served by whichever worker takes the connection) covers every process.
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message?.type !== REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: RESPONSE, id: message.id, text }),
      (error: Error) => worker.send({ type: RESPONSE, id: message.id, error: error.message }),
    );
  });
}

function requestClusterMetrics(timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = randomUUID();
    const onMessage = (message: MetricsMessage) => {
      if (message?.type !== RESPONSE || message.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.text ?? '');
    };
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('cluster metrics timed out'));
    }, timeoutMs);
    process.on('message', onMessage);
    process.send!({ type: REQUEST, id });
  });
}

/** In a cluster worker: let the primary collect this process's metrics for a group-wide scrape. */
export function answerClusterMetricsRequests(): void {
  // prom-client answers the primary's "send me your metrics" only once an AggregatorRegistry exists here.
  if (cluster.isWorker) new AggregatorRegistry();
}

/** Prometheus text of this process, or of the whole process group when running as a cluster worker. */
export function currentMetrics(): Promise<string> {
  return cluster.isWorker ? requestClusterMetrics() : register.metrics();
}

/** /metrics: this process's registry, or the whole cluster's when running as a cluster worker. */
@ApiExcludeController()
@Controller()
export class ClusterAwareMetricsController extends PrometheusController {
  constructor() {
    super();
    answerClusterMetricsRequests();
  }

  @Get()
  override async index(
    @Res({ passthrough: true }) response: { header(name: string, value: string): unknown },
  ) {
    if (!cluster.isWorker) return super.index(response);
    response.header('Content-Type', register.contentType);
    return requestClusterMetrics();
  }
}
