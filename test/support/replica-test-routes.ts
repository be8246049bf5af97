import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, UseInterceptors } from '@nestjs/common';
import { InjectDataSource, InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { Tier } from '@platform/database';
import { TestCallerInterceptor } from './test-caller';

interface Where {
  /** The port of the server that ran the statement, and whether it was a standby. */
  port: number;
  replica: boolean;
}

/**
 * Test-only routes over ordinary repositories and query builders, used to see where the replica router
 * sent each statement. Undecorated as a controller: `ReplicaRoutesController` (below, for tests of the
 * libs) and the API's `ReplicaTestController` (replica-test.controller.ts) serve them, each with its
 * own way of naming the caller. Never in production.
 */
export class ReplicaTestRoutes {
  constructor(
    @InjectRepository(Tier) private readonly tiers: Repository<Tier>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Post('tiers/:name')
  @HttpCode(201)
  async write(@Param('name') name: string) {
    await this.tiers.insert({ name, ratePerMinute: 1, burst: 1, defaultPriority: 'normal', maxBatch: 1 });
    return { name };
  }

  /** Creates or replaces a tier, then reads it back (as the API's tier update does). */
  @Put('tiers/:name')
  async upsert(
    @Param('name') name: string,
    @Body() limits: Pick<Tier, 'ratePerMinute' | 'burst' | 'defaultPriority' | 'maxBatch'>,
  ) {
    await this.tiers.upsert({ ...limits, name }, ['name']);
    return this.tiers.findOneByOrFail({ name });
  }

  /** A select query builder: says whether the row was there and where the statement ran. */
  @Get('tiers/:name')
  async read(@Param('name') name: string): Promise<Where & { found: number }> {
    const row = await this.tiers
      .createQueryBuilder('t')
      .select('count(*)::int', 'found')
      .addSelect('inet_server_port()', 'port')
      .addSelect('pg_is_in_recovery()', 'replica')
      .where('t.name = :name', { name })
      .getRawOne<Where & { found: number }>();
    return row!;
  }

  /** A plain repository read (where it ran shows in db_queries_total). */
  @Get('find/:name')
  async find(@Param('name') name: string) {
    const row = await this.tiers.findOneBy({ name });
    return { found: row ? 1 : 0 };
  }

  @Get('slow')
  async slow(@Query('seconds') seconds = '2'): Promise<Where> {
    const row = await this.dataSource
      .createQueryBuilder()
      .select(`pg_sleep(${Number(seconds)})::text`, 'slept')
      .addSelect('inet_server_port()', 'port')
      .addSelect('pg_is_in_recovery()', 'replica')
      .fromDummy()
      .getRawOne<Where>();
    return row!;
  }

  /** Reads inside a transaction, through a query builder and a repository method. */
  @Post('transaction')
  @HttpCode(200)
  transaction() {
    return this.dataSource.transaction(async (manager) => {
      const where = await manager
        .createQueryBuilder(Tier, 't')
        .select('inet_server_port()', 'port')
        .addSelect('pg_is_in_recovery()', 'replica')
        .limit(1)
        .getRawOne<Where>();
      const tiers = await manager.find(Tier);
      return { ...where!, tiers: tiers.length };
    });
  }

  /** `dataSource.query()`: raw SQL stays on the primary. */
  @Get('raw')
  async raw(): Promise<Where> {
    const rows = await this.dataSource.query<Where[]>(
      'SELECT inet_server_port() AS port, pg_is_in_recovery() AS replica',
    );
    return rows[0];
  }
}

/**
 * The routes at `/replica-test/...` of an app built from the libs only (startCoreApp): the caller is
 * whoever `x-test-caller` names (TestCallerInterceptor), no API key, no API.
 */
@Controller('replica-test')
@UseInterceptors(TestCallerInterceptor)
export class ReplicaRoutesController extends ReplicaTestRoutes {}

/** What the replica routes need beside CoreModule. */
export const REPLICA_ROUTES_IMPORTS = [TypeOrmModule.forFeature([Tier])];
