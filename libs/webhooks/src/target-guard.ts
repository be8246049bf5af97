import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Addresses a webhook must never reach unless explicitly allowed: they point inside our network. */
const PRIVATE_V4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE_V4.addSubnet(net, prefix, 'ipv4');
}
const PRIVATE_V6 = new BlockList();
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  // NAT64 local-use prefix (RFC 8215): only ever routed inside the network that runs the translator,
  // and where the IPv4 address sits depends on that network's prefix length, so it is refused whole.
  ['64:ff9b:1::', 48],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE_V6.addSubnet(net, prefix, 'ipv6');
}

/**
 * IPv6 ranges that carry an IPv4 address, and the byte where it starts. A kernel, a NAT64 gateway or a
 * 6to4 relay may deliver to that IPv4 host, so the embedded address is what gets checked.
 * ipaddr.js parses every textual form (dotted tail, hex, zone ids) into bytes; hand-parsing IPv6 is
 * where such guards usually go wrong.
 */
const EMBEDDING: ReadonlyArray<{ range: [ipaddr.IPv6, number]; v4At: number }> = [
  { range: ipaddr.IPv6.parseCIDR('::ffff:0:0/96'), v4At: 12 }, // IPv4-mapped
  { range: ipaddr.IPv6.parseCIDR('::ffff:0:0:0/96'), v4At: 12 }, // IPv4-translated (SIIT)
  { range: ipaddr.IPv6.parseCIDR('::/96'), v4At: 12 }, // IPv4-compatible (deprecated)
  { range: ipaddr.IPv6.parseCIDR('64:ff9b::/96'), v4At: 12 }, // NAT64 well-known prefix (RFC 6052)
  { range: ipaddr.IPv6.parseCIDR('2002::/16'), v4At: 2 }, // 6to4 (RFC 3056)
];

function embeddedIPv4(address: ipaddr.IPv6): string | undefined {
  for (const { range, v4At } of EMBEDDING) {
    if (address.match(range))
      return address
        .toByteArray()
        .slice(v4At, v4At + 4)
        .join('.');
  }
  return undefined;
}

/** True for anything that is not a public unicast address, including IPv6 forms of private IPv4. */
export function isPrivateAddress(address: string): boolean {
  // A zone id (fe80::1%eth0) names an interface: the address before it is what is checked.
  const bare = address.split('%')[0];
  const family = isIP(bare);
  if (family === 0) return true;
  if (family === 4) return PRIVATE_V4.check(bare, 'ipv4');
  const v6 = ipaddr.IPv6.parse(bare);
  const v4 = embeddedIPv4(v6);
  if (v4 !== undefined) return PRIVATE_V4.check(v4, 'ipv4');
  return PRIVATE_V6.check(v6.toNormalizedString(), 'ipv6');
}

export class WebhookTargetError extends Error {
  override name = 'WebhookTargetError';
}

export interface TargetPolicy {
  /** Private, loopback and link-local targets (development only). */
  allowPrivate: boolean;
  /** Plain http:// targets; production refuses them unless told otherwise. */
  allowHttp: boolean;
}

/** Checks what can be checked without DNS: scheme, credentials, literal private addresses. */
export function checkWebhookUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError('not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new WebhookTargetError('must be http or https');
  if (url.protocol === 'http:' && !policy.allowHttp) throw new WebhookTargetError('must be https');
  if (url.username || url.password) throw new WebhookTargetError('must not contain credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (
    !policy.allowPrivate &&
    (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isPrivateAddress(host)))
  ) {
    throw new WebhookTargetError('private, loopback and link-local targets are not allowed');
  }
  return url;
}

type Resolve = (
  hostname: string,
  options: { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A DNS lookup for the delivery socket that refuses private answers. Checking at connect time (not
 * only at subscription time) stops a hostname that later resolves inward (DNS rebinding): the name
 * is resolved once per connection, every address of the answer is checked, and the socket connects
 * only to the addresses handed back here, so no second resolution can swap them. `resolve` is
 * node:dns; tests give a stand-in answer.
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolve = dnsLookup) {
  return (
    hostname: string,
    options: object,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    resolve(hostname, { ...options, all: true }, (err, list) => {
      if (err) return callback(err, []);
      if (list.length === 0) {
        const empty: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
        empty.code = 'ENOTFOUND';
        return callback(empty, []);
      }
      const bad = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (bad) {
        return callback(new WebhookTargetError(`${hostname} resolves to a private address`), []);
      }
      if ((options as { all?: boolean }).all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
