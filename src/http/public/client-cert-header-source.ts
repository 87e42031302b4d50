import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { BoundedSet } from '../../lib/bounded-set.js';
import { parseClientCertChainHeader, parseClientCertHeader, parseNginxEscapedCert } from '../../lib/x509/client-cert-header.js';
import type { PresentedCertificate } from '../../protocol/presented-certificate.js';
import type { TrustProxy } from './client-address.js';

/**
 * The public listener's limit on a request line and headers together when it reads certificates
 * from headers (Node's default is 16 KiB): room for a client certificate and a few intermediates,
 * through a proxy (one certificate may take up to 16 KiB of base64, src/lib/x509/client-cert-header.ts).
 */
export const PROXIED_MAX_HEADER_SIZE = 64 * 1024;

/** Source addresses remembered as already warned about (docs/deployment.md): beyond it, the oldest may be warned about again. */
export const WARNED_ADDRESSES = 4096;

/**
 * What a trusted proxy's malformed `Client-Cert` (or `Client-Cert-Chain`) stands for: a certificate
 * was presented, but no DER parses from it, so client authentication refuses it (invalid_client)
 * rather than treating the request as one without a certificate.
 */
export function unusableCertificate(): PresentedCertificate {
  return { der: Buffer.alloc(0), chain: [], source: 'header', memo: new Map() };
}

/**
 * The client certificate a proxy forwarded in a request's headers: RFC 9440 §2.2 `Client-Cert`
 * (`:base64 DER:`), or nginx's `$ssl_client_escaped_cert` (URL-encoded PEM, which starts
 * `-----BEGIN`) in the same header; intermediates from RFC 9440 §2.3 `Client-Cert-Chain`. Null
 * without `Client-Cert` (or with an empty one); unusableCertificate() when either header is malformed.
 */
export function headerCertificate(headers: IncomingHttpHeaders): PresentedCertificate | null {
  // Node joins repeated headers of these names with ", ", which neither form allows: malformed.
  const value = single(headers['client-cert']);
  if (value === undefined || value.trim() === '') return null;
  const der = value.startsWith('-----BEGIN') ? parseNginxEscapedCert(value) : parseClientCertHeader(value);
  const chain = parseClientCertChainHeader(single(headers['client-cert-chain']));
  if (der === null || chain === null) return unusableCertificate();
  return { der, chain, source: 'header', memo: new Map() };
}

/** A header's value as one string (the type allows a list, which Node gives only for Set-Cookie). */
const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

export interface ProxiedCertificateOptions {
  /** TESSERA_TRUST_PROXY: whether the immediate peer (hop 0) may set the headers. */
  readonly trust: TrustProxy;
  /** Told each time an untrusted peer sent one of the headers. */
  readonly ignoredHeader: (address: string) => void;
  /** The certificate of the request's own TLS handshake, used for any peer that is not a trusted proxy. */
  readonly handshake: (req: IncomingMessage) => PresentedCertificate | null;
}

/**
 * TESSERA_CLIENT_CERT_HEADER=client-cert: a request from a trusted proxy has the certificate of its
 * headers and nothing else (the handshake of the proxy's connection, if any, is the proxy's own);
 * any other request has that of its own TLS handshake, its `Client-Cert` headers ignored. Worked out
 * once per request: each request through a proxy carries its own headers.
 */
export function proxiedCertificateReader(options: ProxiedCertificateOptions): (req: IncomingMessage) => PresentedCertificate | null {
  const read = new WeakMap<IncomingMessage, PresentedCertificate | null>();
  return (req) => {
    const address = req.socket.remoteAddress ?? '';
    if (!options.trust(address, 0)) {
      if (req.headers['client-cert'] !== undefined || req.headers['client-cert-chain'] !== undefined) options.ignoredHeader(address);
      return options.handshake(req);
    }
    const known = read.get(req);
    if (known !== undefined) return known;
    const certificate = headerCertificate(req.headers);
    read.set(req, certificate);
    return certificate;
  };
}

/** ignoredHeader for the public listener: one warning per source address (at most WARNED_ADDRESSES remembered), naming it. */
export function ignoredHeaderWarning(logger: FastifyBaseLogger, capacity = WARNED_ADDRESSES): (address: string) => void {
  const warned = new BoundedSet(capacity);
  return (address) => {
    if (!warned.add(address)) return;
    logger.warn(
      { address },
      `ignored the Client-Cert header of a request from ${address}: TESSERA_TRUST_PROXY does not trust this address (logged once per address)`,
    );
  };
}
