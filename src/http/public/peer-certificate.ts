import type { IncomingMessage } from 'node:http';
import type { X509Certificate } from 'node:crypto';
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

/**
 * Reads the certificate of a request's TLS handshake, with the intermediates the client sent, once
 * per connection: every request of a keep-alive connection shares one PresentedCertificate and its
 * memo. Null on plain HTTP at the cost of one instanceof. A resumed TLS session keeps the client's
 * certificate but not its intermediates: those of the last full handshake with the same certificate
 * are used (intermediates are only candidates for a path; a trust anchor never comes from them).
 */
function handshakeReader(): CertificateReader {
  const perSocket = new WeakMap<TLSSocket, PresentedCertificate | null>();
  const chains = new Map<string, readonly X509Certificate[]>();
  const remembered = (der: Buffer, chain: readonly X509Certificate[]): readonly X509Certificate[] => {
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
      if (handshake === null) presented = null;
      else {
        const chain = remembered(handshake.leaf.raw, handshake.chain);
        presented = { der: handshake.leaf.raw, chain: chain.map((cert) => cert.raw), source: 'tls', memo: new Map(), parsed: { leaf: handshake.leaf, chain } };
      }
      perSocket.set(socket, presented);
    }
    return presented;
  };
}

/**
 * The leaf and the certificates after it in the peer's chain as node exposes them, already parsed
 * (issuerCertificate links; parsing a certificate again would cost more than the rest of the
 * request). Node may complete the chain from the server's own CA store: whatever is added is only a
 * candidate intermediate, never a trust anchor.
 */
function readHandshake(socket: TLSSocket): { leaf: X509Certificate; chain: X509Certificate[] } | null {
  const leaf = socket.getPeerX509Certificate();
  if (leaf === undefined) return null;
  const chain: X509Certificate[] = [];
  let current = leaf;
  let next = current.issuerCertificate;
  while (next !== undefined && !next.raw.equals(current.raw) && chain.length < MAX_HANDSHAKE_INTERMEDIATES) {
    chain.push(next);
    current = next;
    next = current.issuerCertificate;
  }
  return { leaf, chain };
}
