import { BlockList, isIP } from 'node:net';

/** An IP address or a CIDR range, as written in an allow list or a proxy list. */
export interface AddressRange {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Reads `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `v6/n`; null when it is none of them. */
export function parseAddressRange(entry: string): AddressRange | null {
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0 || address.includes('%')) return null;
  const max = version === 4 ? 32 : 128;
  if (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= max)) return null;
  return { address, prefix: prefix === undefined ? max : Number(prefix), family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Adds a range to a BlockList. */
export function addRange(list: BlockList, range: AddressRange): void {
  list.addSubnet(range.address, range.prefix, range.family);
}

/** The address without an IPv6 zone (`fe80::1%eth0` → `fe80::1`) and its family; null when it is not an IP address. */
export function plainAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  // split always answers at least one string.
  const bare = address.split('%')[0]!;
  const version = isIP(bare);
  return version === 0 ? null : { address: bare, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** The eight 16-bit groups of a valid IPv6 address (a dotted IPv4 tail counts as the last two). */
function ipv6Groups(address: string): number[] {
  const hex = (a: string, b: string) => ((Number(a) << 8) | Number(b)).toString(16);
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) => `${hex(a, b)}:${hex(c, d)}`);
  const [head = '', tail] = text.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const EMBEDDING = new BlockList();
EMBEDDING.addSubnet('::ffff:0:0', 96, 'ipv6'); // IPv4-mapped (RFC 4291 §2.5.5.2)
EMBEDDING.addSubnet('64:ff9b::', 96, 'ipv6'); // NAT64 well-known prefix (RFC 6052 §2.1)

/**
 * The IPv4 address an IPv6 address stands for, or null: an IPv4-mapped address (`::ffff:a.b.c.d`)
 * reaches that IPv4 host, and so does a NAT64 address (`64:ff9b::a.b.c.d`) through the translator.
 */
export function embeddedIpv4(address: string): string | null {
  if (!EMBEDDING.check(address, 'ipv6')) return null;
  const groups = ipv6Groups(address);
  const hi = groups[6] ?? 0;
  const lo = groups[7] ?? 0;
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}
