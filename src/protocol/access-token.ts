import { SignJWT } from 'jose';
import type { Client } from '../domain/clients/model.js';
import type { Signer } from '../domain/read-model/tenant-state.js';
import type { Tenant } from '../domain/tenants/model.js';
import { randomToken } from '../lib/random.js';
import type { ResolvedTarget } from './target.js';

/** Claims of a JWT access token (RFC 9068 §2.2). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope?: string;
  /** Confirmation of a DPoP-bound token: the proof key's thumbprint (RFC 9449 §6.1). */
  cnf?: { jkt: string };
}

/** Lifetime in seconds: the shortest of the client's and the targeted APIs' own, else the tenant's. */
export function accessTokenLifetime(tenant: Tenant, client: Client, target: ResolvedTarget): number {
  const own = [client.accessTokenTtl, ...target.audiences.map((a) => a.api?.accessTokenTtl ?? null)].filter(
    (v): v is number => v !== null,
  );
  return own.length > 0 ? Math.min(...own) : tenant.accessTokenTtl;
}

/** Builds the claims of RFC 9068 §2.2 (`sub` is the service account when the client has one), and `cnf` of RFC 9449 §6. */
export function accessTokenClaims(input: {
  issuer: string;
  client: Client;
  target: ResolvedTarget;
  nowSeconds: number;
  lifetime: number;
  /** Thumbprint of the DPoP key the token is bound to, or null for a bearer token. */
  jkt?: string | null;
}): AccessTokenClaims {
  const audiences = input.target.audiences.map((a) => a.audience);
  const claims: AccessTokenClaims = {
    iss: input.issuer,
    sub: input.client.serviceAccountId ?? input.client.clientId,
    aud: audiences.length === 1 ? audiences[0]! : audiences,
    exp: input.nowSeconds + input.lifetime,
    iat: input.nowSeconds,
    jti: randomToken(16),
    client_id: input.client.clientId,
  };
  if (input.target.scopes.length > 0) claims.scope = input.target.scopes.join(' ');
  if (input.jkt) claims.cnf = { jkt: input.jkt };
  return claims;
}

/** Signs the claims as a JWT with header `typ: at+jwt` (RFC 9068 §2.1) and the key's `kid`. */
export function signAccessToken(signer: Signer, claims: AccessTokenClaims): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: signer.alg, typ: 'at+jwt', kid: signer.kid }).sign(signer.key);
}
