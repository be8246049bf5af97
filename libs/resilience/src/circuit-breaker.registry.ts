import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import CircuitBreaker from 'opossum';
import { InjectConfig, type AppConfig, type BreakerName, type BreakerOptions } from '@platform/config';
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
 * Per-destination breakers kept at once. Destinations are open-ended (every webhook host a customer
 * names), and each breaker holds a bucket timer, listeners and metric series: past this many, the least
 * recently used is shut down. It is far above the hosts a worker calls within a breaker's reset window,
 * so an open breaker is evicted only after it has gone unused for a long while.
 */
export const MAX_DESTINATION_BREAKERS = 1_000;

/**
 * Hands out named breakers (opossum). Options resolve as: defaults < the caller's defaults for that
 * kind of dependency < CIRCUIT_BREAKERS[name]. State and events are exported as metrics; `list()` is
 * what /health/detailed shows (libs/health reads it).
 */
@Injectable()
export class CircuitBreakerRegistry implements OnApplicationShutdown {
  /** Named dependencies (Redis, replicas): few, held by their users, never evicted. */
  private readonly breakers = new Map<string, NamedBreaker>();
  private readonly destinations = new LRUCache<string, NamedBreaker>({
    max: MAX_DESTINATION_BREAKERS,
    // Evicted, or cleared at shutdown: stop its timers and drop its series.
    dispose: (breaker) => this.retire(breaker),
  });
  private readonly logger = new Logger('CircuitBreaker');
  private readonly stateGauge = breakerStateGauge();
  private readonly events = breakerEventsCounter();

  constructor(@InjectConfig() private readonly config: AppConfig) {}

  /** The breaker for `name`, created on first use with `defaults` for this kind of dependency. */
  get(name: BreakerName, defaults: BreakerOptions = {}): NamedBreaker {
    const existing = this.breakers.get(name);
    if (existing) return existing;
    const breaker = this.create(name, defaults);
    this.breakers.set(name, breaker);
    return breaker;
  }

  /**
   * The breaker for one of an open-ended set of destinations (a webhook host): at most
   * MAX_DESTINATION_BREAKERS are kept, least recently used evicted. Use it for one call at a time and
   * ask again for the next; do not keep it.
   */
  forDestination(name: BreakerName, defaults: BreakerOptions = {}): NamedBreaker {
    const existing = this.destinations.get(name);
    if (existing) return existing;
    const breaker = this.create(name, defaults);
    this.destinations.set(name, breaker);
    return breaker;
  }

  private create(name: BreakerName, defaults: BreakerOptions): NamedBreaker {
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
    return breaker;
  }

  /** Every breaker held now (named and per destination), with its state and rolling counts. */
  list(): Array<{ name: string; state: string; failures: number; successes: number; rejects: number }> {
    return [...this.breakers.values(), ...this.destinations.values()].map((b) => {
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
    this.destinations.clear();
  }

  private retire(breaker: NamedBreaker): void {
    breaker.circuit.shutdown();
    this.stateGauge.remove({ breaker: breaker.name });
    for (const event of BREAKER_EVENTS) this.events.remove({ breaker: breaker.name, event });
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
