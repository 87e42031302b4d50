import { BlockList } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { DocumentFetcher } from '../domain/document-fetcher.js';
import { plainAddress } from '../lib/outbound/addresses.js';
import { AllowList } from '../lib/outbound/allow-list.js';
import { judgedAddress } from '../lib/outbound/forbidden-ranges.js';
import { Outbound } from '../lib/outbound/outbound.js';
import type { Config } from './config.js';

/** Where this process's admin listener is: the configured port, then the bound one (port 0 asks the OS for one). */
export interface ListenerAddress {
  port: number;
}

/** Addresses that reach this machine whatever interface a listener is bound to. */
const THIS_MACHINE = new BlockList();
THIS_MACHINE.addSubnet('127.0.0.0', 8, 'ipv4');
THIS_MACHINE.addAddress('0.0.0.0', 'ipv4');
THIS_MACHINE.addAddress('::1', 'ipv6');
THIS_MACHINE.addAddress('::', 'ipv6');

/** Whether a connection to the address stays on this machine: loopback, unspecified, or an address of one of its interfaces. */
export function isThisMachine(address: string): boolean {
  const judged = plainAddress(judgedAddress(address));
  if (judged === null) return false;
  if (THIS_MACHINE.check(judged.address, judged.family)) return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => judgedAddress(i.address) === judged.address));
}

/**
 * Never the admin listener, even when the allow list names its address: in loopback mode it
 * trusts local callers without a token, and Tessera's own fetch is one. Any address of this
 * machine with the admin port counts (the listener may be bound to every interface); before the
 * port is known (0, or a worker of a cluster bound to port 0) every port of this machine does.
 */
export function adminListenerRefusal(admin: ListenerAddress): (address: string, port: number) => string | null {
  return (address, port) =>
    (admin.port === 0 || port === admin.port) && isThisMachine(address)
      ? `${address.includes(':') ? `[${address}]` : address}:${port} is this Tessera's admin listener`
      : null;
}

/** The URL's scheme, host and port: what a log line may say of it (never credentials, path or query). */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}

/** The outbound fetches of this process: TESSERA_OUTBOUND_ALLOW, the limits of docs/hardening.md "Outbound fetches", never the admin listener; failures logged with their reason. */
export function createDocumentFetcher(config: Config, admin: ListenerAddress, logger: Logger): DocumentFetcher {
  const outbound = new Outbound({ allow: new AllowList(config.outboundAllow), allowName: 'TESSERA_OUTBOUND_ALLOW', refuse: adminListenerRefusal(admin) });
  const fetchDocument = async (url: string, options: { bearer?: string } = {}) => {
    try {
      return await outbound.fetchDocument(url, options.bearer === undefined ? {} : { headers: { authorization: `Bearer ${options.bearer}` } });
    } catch (err) {
      // The origin only: the path and query may carry a credential, and the bearer token never appears.
      logger.warn({ origin: originOf(url), reason: (err as Error).message }, 'outbound fetch failed');
      throw err;
    }
  };
  return {
    refusal: (url) => outbound.refusal(url),
    fetchJson: async (url) => (await fetchDocument(url)).json,
    fetchDocument,
  };
}
