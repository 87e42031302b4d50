import { BlockList } from 'node:net';
import { addRange, parseAddressRange, plainAddress } from './addresses.js';

/** A DNS host name (RFC 1123 §2.1 labels), without a trailing dot. */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Host names, IP addresses and CIDR ranges that outbound fetches may reach although they are not
 * public (and over plain http). Names match exactly, case-insensitively; IPv4-mapped and NAT64
 * addresses match by the IPv4 address inside.
 */
export class AllowList {
  readonly #names = new Set<string>();
  readonly #addresses = new BlockList();
  readonly entries: readonly string[];

  /** Throws an Error naming the first entry that is not a host name, address or range. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const range = parseAddressRange(entry.replace(/^\[(.*)\]$/, '$1'));
      if (range) addRange(this.#addresses, range);
      else if (HOST_NAME.test(entry.replace(/\.$/, ''))) this.#names.add(normalName(entry));
      else throw new Error(`${JSON.stringify(entry)} is not a host name, IP address or CIDR range`);
    }
    this.entries = Object.freeze([...entries]);
  }

  /** Reads a comma-separated list (empty entries ignored). */
  static parse(value: string): AllowList {
    return new AllowList(
      value
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
    );
  }

  /** Whether the host name is listed. */
  hasName(hostname: string): boolean {
    return this.#names.has(normalName(hostname));
  }

  /** Whether the IP address is listed or lies in a listed range. */
  hasAddress(address: string): boolean {
    const plain = plainAddress(address);
    return plain !== null && this.#addresses.check(plain.address, plain.family);
  }
}

function normalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
