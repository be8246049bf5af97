import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { InjectConfig, type AppConfig, type BreakerOptions } from '@platform/config';
import { HealthDetailsRegistry } from '@platform/health';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BREAKER_EVENTS, breakerEventsCounter, breakerStateGauge, STATE_VALUE } from './breaker-metrics';
import { NamedBreaker } from './named-breaker';

/** Used where neither the caller nor CIRCUIT_BREAKERS says otherwise. */
export const DEFAULT_BREAKER_OPTIONS: Required<BreakerOptions> = {
  timeoutMs: 3_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 10_000,
  rollingCountTimeoutMs: 10_000,
};

/**
 * Hands out named breakers (opossum). Options resolve as: defaults < the caller's defaults for that
 * kind of dependency < CIRCUIT_BREAKERS[name]. State and events are exported as metrics and listed
 * in /health/detailed.
 */
@Injectable()
export class CircuitBreakerRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly breakers = new Map<string, NamedBreaker>();
  private readonly logger = new Logger('CircuitBreaker');
  private readonly stateGauge = breakerStateGauge();
  private readonly events = breakerEventsCounter();

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly healthDetails: HealthDetailsRegistry,
    private readonly indicators: HealthIndicatorService,
  ) {}

  onModuleInit(): void {
    this.healthDetails.register('breakers', () => {
      const breakers = this.list();
      const session = this.indicators.check('breakers');
      // An open breaker means a dependency is failing and a fallback is serving: degraded, not down.
      return breakers.some((b) => b.state !== 'closed')
        ? session.degraded({ breakers })
        : session.up({ breakers });
    });
  }

  /** The breaker for `name`, created on first use with `defaults` for this kind of dependency. */
  get(name: string, defaults: BreakerOptions = {}): NamedBreaker {
    const existing = this.breakers.get(name);
    if (existing) return existing;
    const options = { ...DEFAULT_BREAKER_OPTIONS, ...defaults, ...this.config.circuitBreakers[name] };
    const circuit = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      name,
      timeout: options.timeoutMs,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      resetTimeout: options.resetTimeoutMs,
      rollingCountTimeout: options.rollingCountTimeoutMs,
      // Off: with percentiles on, opossum keeps every call's latency for the window and sorts them all
      // on each failure and each snapshot: per-call cost that grows with traffic on hot paths.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    const breaker = new NamedBreaker(name, circuit);
    this.instrument(breaker);
    this.breakers.set(name, breaker);
    return breaker;
  }

  list(): Array<{ name: string; state: string; failures: number; successes: number; rejects: number }> {
    return [...this.breakers.values()].map((b) => {
      const stats = b.circuit.stats;
      return {
        name: b.name,
        state: b.state,
        failures: stats.failures,
        successes: stats.successes,
        rejects: stats.rejects,
      };
    });
  }

  onApplicationShutdown(): void {
    for (const breaker of this.breakers.values()) breaker.circuit.shutdown();
  }

  private instrument(breaker: NamedBreaker): void {
    const setState = () => this.stateGauge.set({ breaker: breaker.name }, STATE_VALUE[breaker.state]);
    setState();
    for (const event of BREAKER_EVENTS) {
      breaker.circuit.on(event as 'success', () => this.events.inc({ breaker: breaker.name, event }));
    }
    breaker.circuit.on('open', () => {
      setState();
      this.logger.warn({ breaker: breaker.name }, 'circuit opened');
    });
    breaker.circuit.on('halfOpen', setState);
    breaker.circuit.on('close', () => {
      setState();
      this.logger.log({ breaker: breaker.name }, 'circuit closed');
    });
  }
}
