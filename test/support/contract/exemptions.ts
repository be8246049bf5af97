import { PATH_METADATA, VERSION_METADATA } from '@nestjs/common/constants';
import type { Type } from '@nestjs/common';

/**
 * Which responses the contract check looks at: those of API servers the test support started
 * (in-process, spawned, or with test controllers), on `/v1/` routes. Other servers (the worker's
 * probe port, webhook receivers, nginx fronts of deployment tests) are not the API.
 */
const apiOrigins = new Set<string>();

export function checkContractOf(baseUrl: string): void {
  apiOrigins.add(new URL(baseUrl).origin);
}

export function isApiResponse(url: URL): boolean {
  return apiOrigins.has(url.origin) && url.pathname.startsWith('/v1/') && !isExempt(url.pathname);
}

/**
 * Test-only controllers (composed into the API by a test, never shipped) are not in the OpenAPI
 * document; their routes are left out of the contract check. Everything else under /v1 is checked.
 */
const exemptPrefixes = new Set<string>();

export function exemptFromContract(...controllers: Type[]): void {
  for (const controller of controllers) {
    const path = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '').replace(/^\/+/, '');
    const version = Reflect.getMetadata(VERSION_METADATA, controller) as string | undefined;
    exemptPrefixes.add(`${version ? `/v${version}` : ''}/${path}/`);
  }
}

function isExempt(pathname: string): boolean {
  for (const prefix of exemptPrefixes) if (`${pathname}/`.startsWith(prefix)) return true;
  return false;
}
