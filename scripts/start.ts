import 'reflect-metadata';
import concurrently from 'concurrently';
import { DataSource } from 'typeorm';
import { ConfigValidationError, currentEnv, loadConfig, loadDotEnv, type AppConfig } from '@platform/config';
import { postgresOptions } from '@platform/database';
import { loadOrCreateDevSecrets, type DevSecrets } from './dev-secrets';
import { migrateAndSeed } from './migrate';

/**
 * `npm start`: migrate and seed, then run the API and the worker together in this terminal.
 * Ctrl-C reaches both (they drain and exit 0), and this process exits with their result.
 *
 * `npm run dev` (`--watch`): the same, plus swc recompiling what changes into dist/, and each app
 * restarted by Node's watch mode when its compiled code changes (no type check: `npm run typecheck`).
 */
async function main(): Promise<void> {
  const watch = process.argv.includes('--watch');
  loadDotEnv();
  const env = currentEnv();
  const config = loadConfig(env);
  await migrateAndSeed(config);

  const extraEnv: Record<string, string> = {};
  if (!config.isProduction) {
    const secrets = await devSecrets(config, env);
    extraEnv.ADMIN_TOKEN = secrets.adminToken;
    extraEnv.ADMIN_USER = secrets.adminUser;
    extraEnv.ADMIN_PASSWORD = secrets.adminPassword;
    printBanner(config, secrets);
  }

  // A restart should not wait out the production drain delay.
  if (watch) extraEnv.SHUTDOWN_DRAIN_DELAY_MS = '0';
  const node = watch
    ? 'exec node --watch-path=dist/apps --watch-path=dist/libs --watch-preserve-output'
    : 'exec node';
  const { result } = concurrently(
    [
      ...(watch
        ? [
            {
              name: 'build',
              command: 'exec node_modules/.bin/swc apps libs -d dist --watch --quiet',
              prefixColor: 'gray',
            },
          ]
        : []),
      { name: 'api', command: `${node} dist/apps/api/src/main.js`, env: extraEnv, prefixColor: 'cyan' },
      {
        name: 'worker',
        command: `${node} dist/apps/worker/src/main.js`,
        env: extraEnv,
        prefixColor: 'magenta',
      },
    ],
    { prefix: 'name', killOthersOn: ['failure'], handleInput: false },
  );
  try {
    await result;
    process.exit(0);
  } catch {
    process.exit(1);
  }
}

async function devSecrets(config: AppConfig, env: Record<string, string | undefined>): Promise<DevSecrets> {
  const dataSource = new DataSource({
    ...postgresOptions(config, config.database.url, 'platform-start'),
    poolSize: 1,
  });
  await dataSource.initialize();
  try {
    return (await loadOrCreateDevSecrets(dataSource, env)).secrets;
  } finally {
    await dataSource.destroy();
  }
}

function printBanner(config: AppConfig, s: DevSecrets): void {
  const api = `http://localhost:${config.http.port}`;
  const metrics = `http://localhost:${config.http.metricsPort ?? config.http.port}/metrics`;
  console.log(
    [
      '',
      '  Platform (development)',
      `  API            ${api}   docs ${config.http.docsEnabled ? `${api}/docs` : 'off (DOCS_ENABLED)'}`,
      `  API metrics    ${metrics}`,
      `  Worker probes  http://localhost:${config.http.workerPort}/readyz`,
      `  Demo API key   ${s.demoApiKey}`,
      `  Admin token    ${s.adminToken}`,
      `  Bull Board     ${api}/admin/queues   user ${s.adminUser}  password ${s.adminPassword}`,
      '',
      `  Try: curl -H "x-api-key: ${s.demoApiKey}" ${api}/v1/me`,
      '  (kept in .dev-secrets.json; delete it to generate new ones)',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
