/** Claims an API, a service account or a client adds to its tokens (docs/claims.md): a JSON object. */
export type Claims = Readonly<Record<string, unknown>>;

/** A federated client's claim mappings: token claim name to the name of a claim of the federated token it authenticated with. */
export type ClaimMappings = Readonly<Record<string, string>>;

/**
 * Names Tessera sets itself (RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4, RFC 7800 §3, OpenID
 * Connect Core §2) or that mean something to verifiers: never taken from configured claims or
 * mappings. `federated` is Tessera's own (docs/federation.md).
 */
export const PROTECTED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'client_id',
  'scope',
  'cnf',
  'act',
  'may_act',
  'typ',
  'auth_time',
  'acr',
  'amr',
  'federated',
]);

/** The largest `claims` object of one API, service account or client: bytes of its UTF-8 JSON. */
export const MAX_CLAIMS_BYTES = 4096;

/** The largest value a claim mapping copies (bytes of its UTF-8 JSON): a larger one is left out of the token. */
export const MAX_MAPPED_VALUE_BYTES = 512;

/** Whether a name may be set by configuration: not protected, and not `__proto__` (which no object should have as a plain member). */
export function settableClaimName(name: string): boolean {
  return !PROTECTED_CLAIMS.has(name) && name !== '__proto__';
}
