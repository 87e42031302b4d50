import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { PresentedCertificate } from '../../protocol/presented-certificate.js';
import type { TrustProxy } from './client-address.js';
import { proxiedCertificateReader } from './client-cert-header-source.js';

/** The client certificate of a request, from the TLS handshake or a trusted proxy's header, or null. */
export type CertificateReader = (req: IncomingMessage) => PresentedCertificate | null;

export interface CertificateReaderOptions {
  /** TESSERA_CLIENT_CERT_HEADER. */
  readonly header: 'off' | 'client-cert';
  /** TESSERA_TRUST_PROXY: only a request whose peer it trusts may carry the header. */
  readonly trust: TrustProxy | false;
  /** Told once per source address that sent the header without being trusted. */
  readonly ignoredHeader: (address: string) => void;
}

/**
 * Where the public endpoints read the client certificate of a request (RFC 8705 §2): the TLS
 * handshake of its connection; with TESSERA_CLIENT_CERT_HEADER=client-cert, the RFC 9440 headers
 * of a request whose peer is a trusted proxy instead.
 */
export function certificateReader(options: CertificateReaderOptions): CertificateReader {
  if (options.header === 'off' || options.trust === false) return handshakeCertificate;
  return proxiedCertificateReader({ trust: options.trust, ignoredHeader: options.ignoredHeader, handshake: handshakeCertificate });
}

/**
 * The DER of the certificate the client presented in the TLS handshake of `req` (RFC 8705 §2), or
 * null: a plain HTTP connection, or no certificate sent. Not validated: whoever reads it decides.
 */
export function peerCertificateDer(req: IncomingMessage): Buffer | null {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket)) return null;
  // An empty object when the client sent none.
  const raw = (socket.getPeerCertificate() as { raw?: Buffer }).raw;
  return raw ?? null;
}

/** The certificate of the request's TLS handshake, with the intermediates the client sent. */
function handshakeCertificate(req: IncomingMessage): PresentedCertificate | null {
  const der = peerCertificateDer(req);
  return der === null ? null : { der, chain: [], source: 'tls', memo: new Map() };
}
