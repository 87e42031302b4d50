import { X509Certificate } from 'node:crypto';

/**
 * A client certificate a request came with (RFC 8705 §2): from Tessera's own TLS handshake, or from
 * a trusted proxy's RFC 9440 `Client-Cert` header. Not validated: client authentication decides
 * what it proves (chain to a trusted CA for tls_client_auth, a registered key for
 * self_signed_tls_client_auth), and a bound token takes its thumbprint.
 */
export interface PresentedCertificate {
  /** DER of the client's own certificate. */
  readonly der: Buffer;
  /** DER of the intermediates sent with it (TLS handshake or `Client-Cert-Chain`), in any order, the leaf excluded. */
  readonly chain: readonly Buffer[];
  /** Where it came from. */
  readonly source: 'tls' | 'header';
  /**
   * Results worked out once per certificate and reused by every request that presents the same object (all the
   * requests of one keep-alive TLS connection): keyed by the function that computed them.
   */
  readonly memo: Map<object, unknown>;
  /**
   * The certificate and intermediates already parsed, when the source has them so (node's TLS socket does): parsing a
   * certificate again costs far more than the rest of reading it.
   */
  readonly parsed?: { readonly leaf: X509Certificate; readonly chain: readonly X509Certificate[] };
}

/** The presented certificate, parsed once per certificate; null when its DER is not a certificate (a proxy's malformed header). */
export function presentedLeaf(certificate: PresentedCertificate): X509Certificate | null {
  if (certificate.parsed) return certificate.parsed.leaf;
  if (certificate.memo.has(presentedLeaf)) return certificate.memo.get(presentedLeaf) as X509Certificate | null;
  let leaf: X509Certificate | null;
  try {
    leaf = new X509Certificate(certificate.der);
  } catch {
    leaf = null;
  }
  certificate.memo.set(presentedLeaf, leaf);
  return leaf;
}

/** The intermediates sent with the certificate, parsed once per certificate; null when one of them is not a certificate. */
export function presentedIntermediates(certificate: PresentedCertificate): readonly X509Certificate[] | null {
  if (certificate.parsed) return certificate.parsed.chain;
  if (certificate.memo.has(presentedIntermediates)) return certificate.memo.get(presentedIntermediates) as X509Certificate[] | null;
  let chain: X509Certificate[] | null;
  try {
    chain = certificate.chain.map((der) => new X509Certificate(der));
  } catch {
    chain = null;
  }
  certificate.memo.set(presentedIntermediates, chain);
  return chain;
}
