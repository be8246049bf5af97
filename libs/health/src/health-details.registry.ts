import { Injectable } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';

/**
 * Components register what they want shown in /health/detailed (breakers, replicas, queues, pools)
 * without the health lib knowing about them. Readiness does not run these: losing a replica or a
 * breaker opening must not take the instance out of rotation.
 */
@Injectable()
export class HealthDetailsRegistry {
  private readonly indicators = new Map<string, HealthIndicatorFunction>();
  private readonly readiness = new Map<string, HealthIndicatorFunction>();

  register(name: string, indicator: HealthIndicatorFunction): void {
    this.indicators.set(name, indicator);
  }

  /**
   * A component without which this process must not take work (e.g. the worker's queue consumers):
   * it is checked by /readyz as well as shown in /health/detailed.
   */
  registerReadiness(name: string, indicator: HealthIndicatorFunction): void {
    this.readiness.set(name, indicator);
  }

  all(): HealthIndicatorFunction[] {
    return [...this.indicators.values()];
  }

  readinessChecks(): HealthIndicatorFunction[] {
    return [...this.readiness.values()];
  }
}
