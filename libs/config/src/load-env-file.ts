import { existsSync } from 'node:fs';

/**
 * Loads `.env` from the working directory into process.env (real variables win), using Node's
 * own parser. Only entry points call this, before the config is loaded.
 */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** A copy of the environment for handing to child processes (launchers, tests). */
export function currentEnv(): Record<string, string | undefined> {
  return { ...process.env };
}
