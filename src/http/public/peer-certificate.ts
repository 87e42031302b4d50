import type { IncomingMessage } from 'node:http';
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';
import type { PresentedCertificate } from '../../protocol/presented-certificate.js';
import type { TrustProxy } from './client-address.js';

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

/** Most intermediates taken from one handshake; a longer chain could not validate anyway (MAX_CHAIN_LENGTH). */
const MAX_HANDSHAKE_INTERMEDIATES = 10;

/**
 * Where the public endpoints read the client certificate of a request (RFC 8705 §2): the TLS
 * handshake of its connection; with TESSERA_CLIENT_CERT_HEADER=client-cert, the RFC 9440 headers
 * of a request whose peer is a trusted proxy instead.
 */
export function certificateReader(options: CertificateReaderOptions): CertificateReader {
  if (options.header === 'off') return handshakeCertificate;
  // ---- HEADER SOURCE (branch mtls-proxy plugs in here) ----------------------------------------
  // With TESSERA_CLIENT_CERT_HEADER=client-cert: a request from a trusted proxy (options.trust)
  // gives its Client-Cert / Client-Cert-Chain headers (source 'header'); from anywhere else the
  // header is ignored (options.ignoredHeader) and the TLS handshake's certificate is used.
  // ---------------------------------------------------------------------------------------------
  return handshakeCertificate;
}

/**
 * The DER of the certificate the client presented in the TLS handshake of `req` (RFC 8705 §2), or
 * null: a plain HTTP connection, or no certificate sent. Not validated: whoever reads it decides.
 */
export function peerCertificateDer(req: IncomingMessage): Buffer | null {
  return handshakeCertificate(req)?.der ?? null;
}

/** The certificate of each TLS connection, read once: every request of a keep-alive connection shares it and its memo. */
const perSocket = new WeakMap<TLSSocket, PresentedCertificate | null>();

/** The certificate of the request's TLS handshake, with the intermediates the client sent; null on plain HTTP at the cost of one instanceof. */
function handshakeCertificate(req: IncomingMessage): PresentedCertificate | null {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket)) return null;
  let presented = perSocket.get(socket);
  if (presented === undefined) {
    presented = readHandshake(socket);
    perSocket.set(socket, presented);
  }
  return presented;
}

/**
 * The leaf and the certificates after it in the peer's chain as node exposes it (issuerCertificate
 * links, the last one pointing to itself). Node may complete the chain from the server's own CA
 * store: whatever is added is only a candidate intermediate, never a trust anchor.
 */
function readHandshake(socket: TLSSocket): PresentedCertificate | null {
  // An empty object when the client sent none.
  const leaf = socket.getPeerCertificate(true) as Partial<DetailedPeerCertificate>;
  if (leaf.raw === undefined) return null;
  const chain: Buffer[] = [];
  let current: Partial<DetailedPeerCertificate> = leaf;
  let currentRaw: Buffer = leaf.raw;
  let next = current.issuerCertificate as Partial<DetailedPeerCertificate> | undefined;
  while (next?.raw !== undefined && next !== current && !next.raw.equals(currentRaw) && chain.length < MAX_HANDSHAKE_INTERMEDIATES) {
    chain.push(next.raw);
    current = next;
    currentRaw = next.raw;
    next = current.issuerCertificate;
  }
  return { der: leaf.raw, chain, source: 'tls', memo: new Map() };
}
