import { lookup } from 'node:dns/promises';
import type { AllowList } from './allow-list.js';
import { judgedAddress, nonPublicRange } from './forbidden-ranges.js';
import { OutboundError } from './outbound-error.js';
import { plainAddress } from './addresses.js';

/** Every address a host name resolves to. */
export type Resolver = (hostname: string) => Promise<string[]>;

/** The system resolver (getaddrinfo, as connections use): every address of the name. */
export const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** Where a checked URL is fetched from: the address the connection is pinned to. */
export interface Destination {
  readonly url: URL;
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
}

export interface DestinationRules {
  readonly allow: AllowList;
  /** Names the allow list in reasons (the setting that fills it). */
  readonly allowName: string;
  /** A further refusal of an address and port (this process's own listener, say): a reason, or null. */
  readonly refuse?: ((address: string, port: number) => string | null) | undefined;
}

/** Why the URL's scheme is refused, or null: https always, http only towards allowed hosts (checked once resolved). */
function schemeProblem(url: URL): string | null {
  return url.protocol === 'https:' || url.protocol === 'http:' ? null : `scheme ${url.protocol} is not fetched; use https`;
}

/** The host of a URL without IPv6 brackets. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Checks where a URL leads (docs/hardening.md, "Outbound fetches"): https to public addresses, or http and https to what the
 * allow list names; if any address the host resolves to is refused, the URL is. Answers the
 * first address, to pin the connection to; throws an OutboundError with the reason.
 */
export async function checkDestination(url: URL, rules: DestinationRules, resolve: Resolver): Promise<Destination> {
  const scheme = schemeProblem(url);
  if (scheme) throw new OutboundError(scheme);
  const host = bareHost(url);
  const literal = plainAddress(host) !== null;
  let addresses: string[];
  if (literal) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw new OutboundError(`cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
    if (addresses.length === 0) throw new OutboundError(`cannot resolve ${host} (no address)`);
  }
  const nameAllowed = !literal && rules.allow.hasName(host);
  for (const address of addresses) {
    const judged = judgedAddress(address);
    if (nameAllowed || rules.allow.hasAddress(judged)) continue;
    const range = nonPublicRange(judged);
    if (range === null) continue;
    const as = judged === address ? '' : ` (as ${judged})`;
    throw new OutboundError(
      literal
        ? `address ${address}${as} is ${range} and not in ${rules.allowName}`
        : `${host} resolves to ${address}${as}, which is ${range} and not in ${rules.allowName}`,
    );
  }
  if (url.protocol === 'http:' && !nameAllowed && !addresses.every((a) => rules.allow.hasAddress(judgedAddress(a)))) {
    throw new OutboundError(`http is only for hosts and addresses in ${rules.allowName}; use https`);
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  for (const address of addresses) {
    const refused = rules.refuse?.(address, port);
    if (refused) throw new OutboundError(refused);
  }
  // At least one address: the literal, or checked when the name was resolved.
  const address = addresses[0]!;
  return { url, address, family: plainAddress(address)!.family === 'ipv4' ? 4 : 6, port };
}
