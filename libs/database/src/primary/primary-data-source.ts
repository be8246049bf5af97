import type { AppConfig } from '@platform/config';
import { postgresOptions, type PostgresOptions } from '../data-source-options';
import { PrimaryLocator } from './primary-locator';
import { primaryPoolOptions } from './primary-pool-options';

/**
 * The primary's data source options. With several hosts in DATABASE_URL, connections go to whichever
 * is not in recovery, found before the first connection and again whenever it fails.
 */
export async function primaryDataSourceOptions(
  config: AppConfig,
  applicationName?: string,
  locator?: PrimaryLocator,
): Promise<PostgresOptions> {
  const base = postgresOptions(config, config.database.url, applicationName);
  if (config.database.hostUrls.length < 2) return base;
  locator ??= await createPrimaryLocator(config);
  const extra = base.extra as Record<string, unknown>;
  return { ...base, url: locator.currentUrl, extra: { ...extra, ...primaryPoolOptions(locator) } };
}

/** The locator of the primary among DATABASE_URL's hosts, resolved once when there are several. */
export async function createPrimaryLocator(config: AppConfig): Promise<PrimaryLocator> {
  const locator = new PrimaryLocator(config.database.hostUrls, config.database.acquireTimeoutMs);
  if (config.database.hostUrls.length > 1) await locator.resolve();
  return locator;
}

/** Where migrations and CREATE DATABASE run: the direct URL when given, else the current primary. */
export async function migrationTargetUrl(config: AppConfig): Promise<string> {
  if (config.database.migrationUrl) return config.database.migrationUrl;
  if (config.database.hostUrls.length < 2) return config.database.url;
  const primary = await new PrimaryLocator(
    config.database.hostUrls,
    config.database.acquireTimeoutMs,
  ).resolve();
  if (!primary) throw new Error('no primary among the hosts in DATABASE_URL (all down or in recovery)');
  return primary;
}
