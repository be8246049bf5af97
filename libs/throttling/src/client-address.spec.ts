import { describe, expect, it } from 'vitest';
import { clientAddressKey } from './client-address';

describe('clientAddressKey: which bucket an address shares', () => {
  it.each([
    // IPv4: one bucket per address
    ['203.0.113.7', '203.0.113.7'],
    ['127.0.0.1', '127.0.0.1'],
    // IPv6: the /64 one client typically owns, in one spelling
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:0000:0000:0000:0001', '2001:db8:1:2::/64'],
    ['2001:db8:1:3::1', '2001:db8:1:3::/64'],
    ['fe80::1%eth0', 'fe80::/64'],
    ['::1', '::/64'],
    // IPv4-mapped IPv6 is the IPv4 address (a dual-stack socket reports IPv4 clients so)
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    // Not an address (a proxy header gone wrong): kept as given, so it is still one bucket
    ['not-an-address', 'not-an-address'],
    ['', ''],
  ])('%s → %s', (address, key) => {
    expect(clientAddressKey(address)).toBe(key);
  });
});
