import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { IsNull, type DataSource } from 'typeorm';
import { ApiKey, issueApiKey } from '@platform/database';
import { generateSecret, sha256Hex } from '@platform/security';

/**
 * Development only: the admin credentials and the demo API key `npm start` generates, kept in a
 * git-ignored file so they survive restarts. Production never generates secrets.
 */
export interface DevSecrets {
  adminToken: string;
  adminUser: string;
  adminPassword: string;
  demoApiKey: string;
}

export const DEV_SECRETS_FILE = '.dev-secrets.json';

export async function loadOrCreateDevSecrets(
  dataSource: DataSource,
  env: Record<string, string | undefined>,
): Promise<{ secrets: DevSecrets; createdKey: boolean }> {
  const stored: Partial<DevSecrets> = existsSync(DEV_SECRETS_FILE)
    ? (JSON.parse(readFileSync(DEV_SECRETS_FILE, 'utf8')) as Partial<DevSecrets>)
    : {};
  let demoApiKey = stored.demoApiKey;
  const live =
    demoApiKey &&
    (await dataSource
      .getRepository(ApiKey)
      .existsBy({ keyHash: sha256Hex(demoApiKey), revokedAt: IsNull() }));
  let createdKey = false;
  if (!live) {
    demoApiKey = (await issueApiKey(dataSource, 'demo', 'pro')).key;
    createdKey = true;
  }
  const secrets: DevSecrets = {
    adminToken: env.ADMIN_TOKEN ?? stored.adminToken ?? generateSecret('adm_', 24),
    adminUser: env.ADMIN_USER ?? stored.adminUser ?? 'admin',
    adminPassword: env.ADMIN_PASSWORD ?? stored.adminPassword ?? generateSecret('', 18),
    demoApiKey: demoApiKey!,
  };
  writeFileSync(DEV_SECRETS_FILE, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { secrets, createdKey };
}
