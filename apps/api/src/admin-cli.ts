import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigValidationError, loadConfig, loadDotEnv } from '@platform/config';
import { createLogger, PinoNestLogger } from '@platform/observability';
import {
  ADMIN_USAGE,
  AdminCommands,
  parseAdminCommand,
  UsageError,
  type AdminCommand,
} from './admin/cli/admin-commands';
import { AdminCliModule } from './admin/cli/admin-cli.module';
import { ApiKeysService } from './auth/api-keys.service';
import { TenantsService } from './tenants/tenants.service';
import { TiersService } from './tiers/tiers.service';

/** `npm run admin -- <command>`: see ADMIN_USAGE. Results on stdout as JSON; logs on stderr. */
async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === 'help') {
    console.log(ADMIN_USAGE);
    return 0;
  }
  if (argv.length === 0) {
    console.error(ADMIN_USAGE);
    return 2;
  }
  let command: AdminCommand;
  try {
    command = parseAdminCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${ADMIN_USAGE}`);
    return 2;
  }
  loadDotEnv();
  const config = loadConfig();
  const logger = createLogger({ level: 'warn', name: 'admin-cli', destination: process.stderr });
  const app = await NestFactory.createApplicationContext(AdminCliModule.forRoot(config), {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  try {
    const commands = new AdminCommands(
      app.get(ApiKeysService),
      app.get(TiersService),
      app.get(TenantsService),
    );
    const result = await commands.execute(command);
    (result.exitCode === 0 ? console.log : console.error)(JSON.stringify(result.output, null, 2));
    return result.exitCode;
  } finally {
    await app.close();
  }
}

// Exit explicitly: a context that failed to start may still hold sockets open.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigValidationError ? error.message : error);
    process.exit(1);
  },
);
