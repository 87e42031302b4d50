/**
 * Fetches the documents behind URLs an admin registers (a private_key_jwt client's `jwks_uri`;
 * federated issuers' discovery and keys later): docs/hardening.md, "Outbound fetches". The composition
 * root plugs in the real one (src/app/outbound.ts).
 */
export interface DocumentFetcher {
  /**
   * Why the URL may not be fetched, or null: the same checks as a fetch (scheme, every address
   * its host is or resolves to, the allow list), made when the URL is registered.
   */
  refusal(url: string): Promise<string | null>;
  /** The JSON document at the URL; throws an Error whose message is the reason, for the log only. */
  fetchJson(url: string): Promise<unknown>;
}
