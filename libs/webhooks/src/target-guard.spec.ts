import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, guardedLookup, isPrivateAddress } from './target-guard';

/** IPv6 forms that carry an IPv4 address, which routers or the kernel may deliver to that IPv4 host. */
const EMBEDDING_PRIVATE: Array<[address: string, why: string]> = [
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback, dotted'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex (how URL hosts are normalised)'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped link-local (cloud metadata)'],
  ['::ffff:c0a8:101', 'IPv4-mapped 192.168.1.1'],
  ['::ffff:0:a00:1', 'IPv4-translated (SIIT) 10.0.0.1'],
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['::7f00:1', 'IPv4-compatible loopback, hex'],
  ['::a00:1', 'IPv4-compatible 10.0.0.1'],
  ['64:ff9b::127.0.0.1', 'NAT64 well-known prefix, loopback'],
  ['64:ff9b::a00:1', 'NAT64 well-known prefix, 10.0.0.1'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 well-known prefix, link-local'],
  ['64:ff9b::ac10:1', 'NAT64 well-known prefix, 172.16.0.1'],
  ['64:ff9b:1::a00:1', 'NAT64 local-use prefix (never public)'],
  ['64:ff9b:1:ff00::808:808', 'NAT64 local-use prefix, any embedding'],
  ['2002:7f00:1::', '6to4 of 127.0.0.1'],
  ['2002:a00:1::1', '6to4 of 10.0.0.1'],
  ['2002:c0a8:101:1::1', '6to4 of 192.168.1.1'],
  ['2002:a9fe:a9fe::', '6to4 of 169.254.169.254'],
  ['2002:6440:1::', '6to4 of 100.64.0.1 (carrier-grade NAT)'],
];

const PLAIN_PRIVATE = [
  '10.1.2.3',
  '127.0.0.1',
  '169.254.169.254',
  '172.20.0.1',
  '192.168.1.1',
  '100.64.0.1',
  '0.0.0.0',
  '::',
  '::1',
  'fe80::1',
  'fe80::1%eth0',
  'fd00::1',
  'ff02::1',
];

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '172.32.0.1',
  '2606:4700::1111',
  '::ffff:8.8.8.8',
  '::ffff:808:808',
  '64:ff9b::8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
];

describe('isPrivateAddress', () => {
  it.each(EMBEDDING_PRIVATE)('refuses %s (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });
  it.each(PLAIN_PRIVATE)('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });
  it.each(PUBLIC)('allows %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
  it('treats anything that is not an address as private', () => {
    expect(isPrivateAddress('example.com')).toBe(true);
    expect(isPrivateAddress('')).toBe(true);
  });
});

describe('checkWebhookUrl with IPv6 literals', () => {
  // The URL parser rewrites these to hex (`[::ffff:7f00:1]`), which a dotted-only check misses.
  it.each([
    'http://[::ffff:127.0.0.1]:8080/hook',
    'http://[::127.0.0.1]/hook',
    'http://[64:ff9b::169.254.169.254]/latest',
    'http://[2002:a00:1::]/hook',
  ])('refuses %s', (url) => {
    expect(() => checkWebhookUrl(url, { allowPrivate: false, allowHttp: true })).toThrow(/private/);
  });
  it('allows a public NAT64 address', () => {
    expect(
      checkWebhookUrl('https://[64:ff9b::8.8.8.8]/hook', { allowPrivate: false, allowHttp: true }).hostname,
    ).toBe('[64:ff9b::808:808]');
  });
});

describe('checkWebhookUrl and plain http', () => {
  it('refuses http:// unless http is allowed', () => {
    expect(() =>
      checkWebhookUrl('http://hooks.example.com/x', { allowPrivate: false, allowHttp: false }),
    ).toThrow(/https/);
    expect(
      checkWebhookUrl('https://hooks.example.com/x', { allowPrivate: false, allowHttp: false }).protocol,
    ).toBe('https:');
    expect(
      checkWebhookUrl('http://hooks.example.com/x', { allowPrivate: false, allowHttp: true }).protocol,
    ).toBe('http:');
  });
});

/** A stand-in for DNS answering `answers` (the guard's own logic is what is under test). */
function resolverAnswering(answers: LookupAddress[][]) {
  let calls = 0;
  const resolve = (
    _host: string,
    _options: object,
    callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
  ) => {
    const answer = answers[Math.min(calls, answers.length - 1)];
    calls += 1;
    callback(null, answer);
  };
  return { resolve, calls: () => calls };
}

function lookupOnce(
  lookup: ReturnType<typeof guardedLookup>,
  all: boolean,
): Promise<{ err: Error | null; address: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve) =>
    lookup('hooks.example.com', { all }, (err, address, family) => resolve({ err, address, family })),
  );
}

describe('guardedLookup', () => {
  const PUBLIC_V4 = { address: '93.184.216.34', family: 4 };
  const PUBLIC_V6 = { address: '2606:2800:220:1::1', family: 6 };

  it.each<[string, LookupAddress]>([
    ['a private IPv4 answer', { address: '10.0.0.7', family: 4 }],
    ['an IPv4-mapped loopback answer', { address: '::ffff:127.0.0.1', family: 6 }],
    ['a NAT64 answer embedding link-local', { address: '64:ff9b::a9fe:a9fe', family: 6 }],
    ['a 6to4 answer embedding 10/8', { address: '2002:a00:1::', family: 6 }],
  ])('refuses the whole answer when any address is private: %s', async (_why, bad) => {
    const dns = resolverAnswering([[PUBLIC_V4, bad, PUBLIC_V6]]);
    for (const all of [true, false]) {
      const { err } = await lookupOnce(guardedLookup(false, dns.resolve), all);
      expect(err?.message).toMatch(/private/);
    }
  });

  it('hands the socket exactly the addresses it checked, resolving once per connection', async () => {
    // A rebinding name: public on the first answer, private on the next. The socket connects to what
    // this lookup returns, so the second answer is never used for this connection.
    const dns = resolverAnswering([[PUBLIC_V4, PUBLIC_V6], [{ address: '127.0.0.1', family: 4 }]]);
    const lookup = guardedLookup(false, dns.resolve);
    expect(await lookupOnce(lookup, true)).toEqual({ err: null, address: [PUBLIC_V4, PUBLIC_V6] });
    expect(dns.calls()).toBe(1);
    const next = await lookupOnce(lookup, false);
    expect(next.err?.message).toMatch(/private/);
  });

  it('returns the first checked address when one address is asked for', async () => {
    const dns = resolverAnswering([[PUBLIC_V6, PUBLIC_V4]]);
    const { err, address, family } = await lookupOnce(guardedLookup(false, dns.resolve), false);
    expect(err).toBeNull();
    expect([address, family]).toEqual([PUBLIC_V6.address, 6]);
  });

  it('fails cleanly on an empty answer instead of connecting nowhere', async () => {
    const dns = resolverAnswering([[]]);
    const { err } = await lookupOnce(guardedLookup(false, dns.resolve), false);
    expect(err).toMatchObject({ code: 'ENOTFOUND' });
  });
});
