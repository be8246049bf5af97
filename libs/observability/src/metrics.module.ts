import { Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { ClusterAwareMetricsController } from './cluster-metrics';

/** Default process metrics, once per process (several app instances may share one in tests). */
function collectDefaultMetricsOnce(): void {
  if (register.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics();
}

@Module({
  imports: [
    PrometheusModule.register({
      path: '/metrics',
      controller: ClusterAwareMetricsController,
      defaultMetrics: { enabled: false },
      global: true,
    }),
  ],
})
export class MetricsModule {
  constructor() {
    collectDefaultMetricsOnce();
  }
}
