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
}
