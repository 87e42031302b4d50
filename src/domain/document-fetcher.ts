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
  /**
   * The JSON document at the URL and its Cache-Control `max-age` in seconds (null when absent,
   * `no-store` or unreadable), with the same checks and limits as fetchJson; `bearer` is sent as
   * `Authorization: Bearer` (RFC 6750 §2.1) and never logged. Throws an Error whose message is the reason.
   */
  fetchDocument(url: string, options?: { bearer?: string }): Promise<FetchedDocument>;
}

/** A fetched JSON document, and how long its server says it may be kept. */
export interface FetchedDocument {
  readonly json: unknown;
  readonly maxAgeSeconds: number | null;
}
