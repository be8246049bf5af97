import ipaddr from 'ipaddr.js';

/**
 * The identity of a client address in per-address buckets. IPv4: the address. IPv6: its /64, since
 * one client (a home, a VM) is routinely handed a whole /64 and could otherwise walk through 2^64
 * buckets. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, how a dual-stack socket reports an IPv4
 * peer) is the IPv4 address, so one client does not get two buckets. Parsing also folds every
 * spelling of an address (case, zeros, zone) into one. Anything that is not an address is kept as
 * given: it is still a bucket of its own.
 */
export function clientAddressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const [a, b, c, d] = (parsed as ipaddr.IPv6).parts;
  return `${new ipaddr.IPv6([a, b, c, d, 0, 0, 0, 0]).toString()}/64`;
}
