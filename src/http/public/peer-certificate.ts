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

/** Most client certificates whose intermediates are remembered for resumed TLS sessions. */
const MAX_REMEMBERED_CHAINS = 1000;

/**
 * Where the public endpoints read the client certificate of a request (RFC 8705 §2): the TLS
 * handshake of its connection; with TESSERA_CLIENT_CERT_HEADER=client-cert, the RFC 9440 headers
 * of a request whose peer is a trusted proxy instead.
 */
export function certificateReader(options: CertificateReaderOptions): CertificateReader {
  const handshakeCertificate = handshakeReader();
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
  const socket = req.socket;
  if (!(socket instanceof TLSSocket)) return null;
  // An empty object when the client sent none.
  const raw = (socket.getPeerCertificate() as { raw?: Buffer }).raw;
  return raw ?? null;
}

/**
 * Reads the certificate of a request's TLS handshake, with the intermediates the client sent, once
 * per connection: every request of a keep-alive connection shares one PresentedCertificate and its
 * memo. Null on plain HTTP at the cost of one instanceof. A resumed TLS session keeps the client's
 * certificate but not its intermediates: those of the last full handshake with the same certificate
 * are used (intermediates are only candidates for a path; a trust anchor never comes from them).
 */
function handshakeReader(): CertificateReader {
  const perSocket = new WeakMap<TLSSocket, PresentedCertificate | null>();
  const chains = new Map<string, readonly Buffer[]>();
  const remembered = (der: Buffer, chain: readonly Buffer[]): readonly Buffer[] => {
    const key = der.toString('base64');
    if (chain.length === 0) return chains.get(key) ?? chain;
    chains.delete(key);
    chains.set(key, chain);
    // Map keeps insertion order: the first key is the one least recently seen.
    const oldest = chains.size > MAX_REMEMBERED_CHAINS ? chains.keys().next().value : undefined;
    if (oldest !== undefined) chains.delete(oldest);
    return chain;
  };
  return (req) => {
    const socket = req.socket;
    if (!(socket instanceof TLSSocket)) return null;
    let presented = perSocket.get(socket);
    if (presented === undefined) {
      const handshake = readHandshake(socket);
      presented = handshake && { ...handshake, chain: remembered(handshake.der, handshake.chain) };
      perSocket.set(socket, presented);
    }
    return presented;
  };
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
