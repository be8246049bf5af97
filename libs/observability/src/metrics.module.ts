import { Module, type DynamicModule } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { ClusterAwareMetricsController } from './cluster-metrics';
import { METRICS_LISTENER_OPTIONS, MetricsListener } from './metrics-listener';

/** Default process metrics, once per process (several app instances may share one in tests). */
function collectDefaultMetricsOnce(): void {
  if (register.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics();
}

@Module({})
export class MetricsModule {
  constructor() {
    collectDefaultMetricsOnce();
  }

  /**
   * `/metrics` on the app's own port, or, given a port, only on a listener of its own there
   * (see MetricsListener).
   */
  static forRoot(options: { port?: number; host?: string } = {}): DynamicModule {
    const { port, host = '0.0.0.0' } = options;
    if (port === undefined) {
      return {
        module: MetricsModule,
        imports: [
          PrometheusModule.register({
            path: '/metrics',
            controller: ClusterAwareMetricsController,
            defaultMetrics: { enabled: false },
          }),
        ],
      };
    }
    return {
      module: MetricsModule,
      providers: [{ provide: METRICS_LISTENER_OPTIONS, useValue: { port, host } }, MetricsListener],
    };
  }
}
