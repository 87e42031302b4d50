import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/** Whether the hop at `address`, `hop` steps from the server, is a proxy whose X-Forwarded-For is believed. */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * TESSERA_TRUST_PROXY as one function, given to Fastify (which uses a function as it is) and used
 * by the direct token path, so both see the same client address; false when no proxy is trusted.
 */
export function trustProxy(value: boolean | number | readonly string[]): TrustProxy | false {
  if (value === false) return false;
  if (value === true) return () => true;
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return proxyAddr.compile([...value]);
}

/** The client's address as Fastify's `request.ip` gives it. */
export function clientAddress(req: IncomingMessage, trust: TrustProxy | false): string {
  return trust ? proxyAddr(req, trust) : (req.socket.remoteAddress ?? '');
}
