import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { ApiKeysService } from '../../auth/api-keys.service';
import { tenantNameSchema, tenantParamsSchema } from '../../tenants/tenants.schemas';
import type { TenantsService } from '../../tenants/tenants.service';
import type { TierLimits, TiersService } from '../../tiers/tiers.service';
import { apiKeyParamsSchema, createApiKeySchema, tierLimitsSchema, tierParamsSchema } from '../admin.schemas';

export const ADMIN_USAGE = `Usage: npm run -s admin -- <command>

  keys create --tier <tier> [--name <name>] [--tenant <id>]
                                              create an API key (the key is printed only now), in
                                              the tenant given or in a new tenant of its own
  keys revoke <id>                            revoke an API key; every instance refuses it at once
  tenants create <name>                       create a tenant
  tenants suspend <id> | tenants resume <id>  refuse (403) or accept again the tenant's keys
  tiers get <name>                            a tier's limits
  tiers set <name> [--rate-per-minute <n>] [--burst <n>] [--default-priority critical|high|normal|low]
            [--max-batch <n>]                 create a tier (every limit given) or change some limits

Prints JSON on stdout. Exit codes: 0 done, 1 refused (unknown key, tier or tenant), 2 bad usage.`;

export type AdminCommand =
  | { kind: 'keys create'; name: string; tier: string; tenant?: string }
  | { kind: 'keys revoke'; id: string }
  | { kind: 'tenants create'; name: string }
  | { kind: 'tenants suspend' | 'tenants resume'; id: string }
  | { kind: 'tiers get'; name: string }
  | { kind: 'tiers set'; name: string; limits: Partial<Omit<TierLimits, 'name'>> };

export interface CommandResult {
  exitCode: 0 | 1 | 2;
  output: unknown;
}

/** Bad usage: the message and the usage text go to stderr, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** How the schema fields are spelled on the command line. */
const OPTION_NAMES: Record<string, string> = {
  name: '--name or <name>',
  tier: '--tier',
  tenant: '--tenant',
  id: '<id>',
  ratePerMinute: '--rate-per-minute',
  burst: '--burst',
  defaultPriority: '--default-priority',
  maxBatch: '--max-batch',
};

/** The checks the admin routes apply, with the same zod schemas; messages name the CLI options. */
function check<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const field = (path: PropertyKey[]) => OPTION_NAMES[String(path[0])] ?? path.map(String).join('.');
  throw new UsageError(result.error.issues.map((i) => `${field(i.path)}: ${i.message}`).join('; '));
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse<O extends Options>(args: string[], options: O, positionalCount: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== positionalCount) {
    throw new UsageError(
      positionalCount === 0
        ? `unexpected argument: ${parsed.positionals[0]}`
        : `expected ${positionalCount} argument, got ${parsed.positionals.length}`,
    );
  }
  return parsed;
}

/** Option values arrive as text; numbers are converted here and range-checked by the schema. */
const toNumber = (value: string | undefined) => (value === undefined ? undefined : Number(value));

const TIER_OPTIONS = {
  'rate-per-minute': { type: 'string' },
  burst: { type: 'string' },
  'default-priority': { type: 'string' },
  'max-batch': { type: 'string' },
} as const;

/** Reads and checks a command line without touching anything, so bad usage fails fast. */
export function parseAdminCommand(argv: readonly string[]): AdminCommand {
  const [group, action, ...args] = argv;
  const kind = `${group ?? ''} ${action ?? ''}`.trim();
  switch (kind) {
    case 'keys create': {
      const options = {
        tier: { type: 'string' },
        name: { type: 'string' },
        tenant: { type: 'string' },
      } as const;
      const { values } = parse(args, options, 0);
      const input = { name: values.name ?? 'admin-cli', tier: values.tier, tenant: values.tenant };
      return { kind, ...check(createApiKeySchema, input) };
    }
    case 'tenants create':
      return { kind, name: check(tenantNameSchema, parse(args, {}, 1).positionals[0]) };
    case 'tenants suspend':
    case 'tenants resume':
      return { kind, ...check(tenantParamsSchema, { id: parse(args, {}, 1).positionals[0] }) };
    case 'keys revoke':
      return { kind, ...check(apiKeyParamsSchema, { id: parse(args, {}, 1).positionals[0] }) };
    case 'tiers get':
      return { kind, ...check(tierParamsSchema, { name: parse(args, {}, 1).positionals[0] }) };
    case 'tiers set': {
      const { values, positionals } = parse(args, TIER_OPTIONS, 1);
      const given = Object.fromEntries(
        Object.entries({
          ratePerMinute: toNumber(values['rate-per-minute']),
          burst: toNumber(values.burst),
          defaultPriority: values['default-priority'],
          maxBatch: toNumber(values['max-batch']),
        }).filter(([, v]) => v !== undefined),
      );
      const { name } = check(tierParamsSchema, { name: positionals[0] });
      return { kind, name, limits: check(tierLimitsSchema.partial(), given) };
    }
    default:
      throw new UsageError(kind ? `unknown command: ${kind}` : 'no command given');
  }
}

const refused = (error: string, message: string): CommandResult => ({
  exitCode: 1,
  output: { error, message },
});

/**
 * The operator's everyday admin tasks, over the services the admin routes use (so the same hashing,
 * validation and cache invalidation on every instance apply).
 */
export class AdminCommands {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly tiers: TiersService,
    private readonly tenants: TenantsService,
  ) {}

  async execute(command: AdminCommand): Promise<CommandResult> {
    switch (command.kind) {
      case 'keys create': {
        if (!(await this.tiers.find(command.tier)))
          return refused('tier_not_found', `Unknown tier: ${command.tier}`);
        if (command.tenant && !(await this.tenants.find(command.tenant)))
          return refused('tenant_not_found', `Unknown tenant: ${command.tenant}`);
        const issued = await this.keys.issue(command.name, command.tier, command.tenant);
        const { id, key, name, tier, tenant, createdAt } = issued;
        return { exitCode: 0, output: { id, key, name, tier, tenant, createdAt } };
      }
      case 'tenants create':
        return { exitCode: 0, output: await this.tenants.create(command.name) };
      case 'tenants suspend':
      case 'tenants resume': {
        const tenant = await this.tenants.setSuspended(command.id, command.kind === 'tenants suspend');
        return tenant
          ? { exitCode: 0, output: tenant }
          : refused('tenant_not_found', `No tenant ${command.id}`);
      }
      case 'keys revoke':
        return (await this.keys.revoke(command.id))
          ? { exitCode: 0, output: { id: command.id, revoked: true } }
          : refused('api_key_not_found', 'No live API key with that id');
      case 'tiers get': {
        const tier = await this.tiers.find(command.name);
        return tier
          ? { exitCode: 0, output: tier }
          : refused('tier_not_found', `No tier named ${command.name}`);
      }
      case 'tiers set': {
        // Options left out keep the tier's current value; a new tier needs them all.
        const { name: _name, ...current } = (await this.tiers.find(command.name)) ?? {};
        const limits = tierLimitsSchema.safeParse({ ...current, ...command.limits });
        if (!limits.success) {
          const missing = limits.error.issues.map((i) => OPTION_NAMES[String(i.path[0])]).join(', ');
          return {
            exitCode: 2,
            output: { error: 'validation_failed', message: `a new tier needs ${missing}` },
          };
        }
        return { exitCode: 0, output: await this.tiers.upsert({ name: command.name, ...limits.data }) };
      }
    }
  }
}
