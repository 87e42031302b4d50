import { MAX_MAPPED_VALUE_BYTES, type ClaimMappings, type Claims } from './model.js';

/** The largest access token a configuration may make possible: characters of the compact JWS (docs/claims.md#token-size). */
export const MAX_TOKEN_BYTES = 8192;

/** The JWS header (under 128 base64url characters), a 4096-bit RSA signature (683) and the two dots. */
const JWS_OVERHEAD = 128 + 683 + 2;

/**
 * JSON bytes kept for the claims Tessera sets whose size the configuration does not tell: `iss`
 * (an issuer URL of up to 256 characters), `exp`, `iat`, `jti`, `cnf`, the member names of
 * `sub` and `client_id`, and the braces.
 */
export const FIXED_CLAIM_BYTES = 448;

/** JSON bytes kept for `federated` in the tokens of a client with federated credentials: a platform token's `iss` and `sub` of up to 480 bytes together. */
export const FEDERATED_CLAIM_BYTES = 512;

/** What may end up in the tokens of one client, over every audience it may target. */
export interface TokenContents {
  /** `sub`: its service account's id, else its client id. */
  readonly subject: string;
  readonly clientId: string;
  /** Whether it has federated credentials (its tokens may carry `federated`). */
  readonly federated: boolean;
  /** Every audience the client may target (a token may name several). */
  readonly audiences: readonly string[];
  /** Every scope it may hold, on any of them. */
  readonly scopes: readonly string[];
  /** The claims of every API it may target, of its service account and its own. */
  readonly claims: readonly (Claims | null)[];
  readonly mappings: ClaimMappings | null;
}

const utf8 = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * Bytes the configured and mapped claims may add to a token's JSON payload: every source's members
 * (a merge keeps at most the union, each value no larger than one of its sources'), and each
 * mapping's name with a value of MAX_MAPPED_VALUE_BYTES.
 */
export function addedClaimBytes(contents: Pick<TokenContents, 'claims' | 'mappings'>): number {
  let bytes = 0;
  for (const claims of contents.claims) {
    // Its members and a comma each, without the braces.
    if (claims !== null && Object.keys(claims).length > 0) bytes += utf8(claims) - 2 + 1;
  }
  for (const name of Object.keys(contents.mappings ?? {})) bytes += utf8(name) + 1 + MAX_MAPPED_VALUE_BYTES + 1;
  return bytes;
}

/**
 * An upper bound of the size of any token of the client (characters of the compact JWS): the
 * header and signature, and the base64url of a JSON payload of FIXED_CLAIM_BYTES, its `sub` and
 * `client_id`, FEDERATED_CLAIM_BYTES if federated, `aud` with every audience, `scope` with every
 * scope, and addedClaimBytes.
 */
export function largestTokenBytes(contents: TokenContents): number {
  const scope = contents.scopes.length === 0 ? 0 : utf8(contents.scopes.join(' ')) + 10;
  const json =
    FIXED_CLAIM_BYTES +
    utf8(contents.subject) +
    utf8(contents.clientId) +
    (contents.federated ? FEDERATED_CLAIM_BYTES : 0) +
    utf8(contents.audiences) +
    7 +
    scope +
    addedClaimBytes(contents);
  return JWS_OVERHEAD + Math.ceil((json * 4) / 3);
}
