import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { InjectDataSource, InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { Tier } from '@platform/database';
import { SkipThrottle } from '@platform/throttling';
import { ApiKeyAuth } from '../../apps/api/src/auth/api-key-auth.decorator';
import { AuthModule } from '../../apps/api/src/auth/auth.module';

interface Where {
  /** The port of the server that ran the statement, and whether it was a standby. */
  port: number;
  replica: boolean;
}

/**
 * Test-only routes over ordinary repositories and query builders, used to see where the replica router
 * sent each statement. Composed into the app by the tests (startApiWithControllers), never in production.
 */
@Controller({ path: 'replica-test', version: '1' })
@ApiKeyAuth()
// These routes measure where statements run, not rate limits: hundreds of reads in a second.
@SkipThrottle()
export class ReplicaTestController {
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

export const REPLICA_TEST_IMPORTS = [TypeOrmModule.forFeature([Tier]), AuthModule];
