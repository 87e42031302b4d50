import type { Claims } from '../claims/model.js';

export interface ApiScope {
  value: string;
  description: string;
}

/** A protected API (resource server): its identifier is the token audience. */
export interface Api {
  tenantId: string;
  id: string;
  name: string;
  identifier: string;
  scopes: ApiScope[];
  accessTokenTtl: number | null;
  /** Tokens for this API must be DPoP-bound (RFC 9449): a request without a proof is refused. */
  dpopBoundAccessTokens: boolean;
  /** Whether exchanged tokens (RFC 8693) may be issued for this API: `deny` refuses them with invalid_target. */
  tokenExchange: TokenExchangePolicy;
  /** The built-in API `urn:tessera:admin` (every tenant has it): only its token lifetime can change, it cannot be deleted. */
  builtIn: boolean;
  /** Claims added to every token for this API (docs/claims.md), or null. */
  claims: Claims | null;
  createdAt: string;
  updatedAt: string;
}

/** An API's token exchange policy (RFC 8693): `allow` (the default) or `deny`. */
export type TokenExchangePolicy = 'allow' | 'deny';

/** scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) (RFC 6749 §3.3). */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Splits a space-delimited scope string into distinct tokens, in order. */
export function splitScope(scope: string): string[] {
  return [...new Set(scope.split(' ').filter((s) => s.length > 0))];
}
