import { Controller, Get, Res, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, type HealthIndicatorFunction } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { LifecycleState } from '@platform/http';
import { AdminTokenGuard } from '@platform/security';
import { ComponentIndicators } from './component-indicators';
import { RedisHealthIndicator } from './redis.indicator';

// Routes (full paths, for grep): GET /health, GET /readyz, GET /health/detailed
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisHealthIndicator,
    private readonly lifecycle: LifecycleState,
    private readonly components: ComponentIndicators,
  ) {}

  /** Liveness: the process answers. No dependency is checked, so a Redis outage never restarts pods. */
  @Get('health')
  live() {
    return { status: 'ok' };
  }

  /**
   * Readiness, "this instance can serve": not draining, and every readiness component up (the
   * Postgres primary, reached on a connection outside the busy pool; the worker's consumers). Redis
   * is reported but cannot fail it: without Redis the API still serves (L1 cache, local rate limits,
   * writes held in the outbox), and Redis is shared, so failing on it would take every pod out of
   * rotation at once. The per-dependency table is in the README.
   */
  @Get('readyz')
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(reply, this.readinessChecks());
  }

  /** Every component, for operators (admin token). */
  @Get('health/detailed')
  @UseGuards(AdminTokenGuard)
  detailed(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(reply, [
      ...this.readinessChecks(),
      () => this.redis.topology('redisTopology'),
      ...this.components.details(),
    ]);
  }

  private readinessChecks(): HealthIndicatorFunction[] {
    return [
      () => {
        const session = this.indicators.check('lifecycle');
        return this.lifecycle.isShuttingDown ? session.down({ message: 'shutting down' }) : session.up();
      },
      ...this.components.readiness(),
      () => this.redis.readiness('redis'),
    ];
  }

  /** Terminus signals failure by throwing 503 with the result; clients still get the component list. */
  private async run(reply: FastifyReply, checks: HealthIndicatorFunction[]) {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503).header('retry-after', '5').header('cache-control', 'no-store');
      return error.getResponse();
    }
  }
}
