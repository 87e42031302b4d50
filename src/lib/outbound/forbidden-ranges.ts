import { BlockList } from 'node:net';
import { addRange, embeddedIpv4, parseAddressRange, plainAddress } from './addresses.js';

/**
 * Addresses that are not on the public internet (RFC 6890 special-purpose registries): what an
 * outbound fetch refuses unless an allow list names it. The first range that holds an address
 * names it in the reason.
 */
const RANGES: readonly (readonly [cidr: string, what: string])[] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared (carrier-grade NAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved for protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved (6to4 relay)'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['::ffff:0:0:0/96', 'IPv4-translated'],
  ['64:ff9b:1::/48', 'local-use NAT64'],
  ['100::/64', 'discard-only'],
  ['2001:db8::/32', 'documentation'],
  ['2001::/23', 'reserved for protocol assignments'],
  ['2002::/16', '6to4'],
  ['3fff::/20', 'documentation'],
  ['5f00::/16', 'segment routing'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
];

const LISTS = RANGES.map(([cidr, what]) => {
  const list = new BlockList();
  addRange(list, parseAddressRange(cidr)!);
  return { cidr, what, list };
});

/** Why an address is not public, e.g. `loopback (127.0.0.0/8)`, or null for a public address. */
export function nonPublicRange(address: string): string | null {
  const plain = plainAddress(address);
  if (plain === null) return 'not an IP address';
  for (const { cidr, what, list } of LISTS) if (list.check(plain.address, plain.family)) return `${what} (${cidr})`;
  return null;
}

/**
 * The address an IP address is judged as: itself, or the IPv4 address inside an IPv4-mapped or
 * NAT64 address (`::ffff:127.0.0.1` is loopback, `64:ff9b::a00:1` reaches 10.0.0.1).
 */
export function judgedAddress(address: string): string {
  const plain = plainAddress(address)?.address ?? address;
  return embeddedIpv4(plain) ?? plain;
}
