import { constants, sign, type SignKeyObjectInput } from 'node:crypto';
import type { Client } from '../domain/clients/model.js';
import type { Signer } from '../domain/read-model/tenant-state.js';
import type { SigningAlg, Tenant } from '../domain/tenants/model.js';
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

/** How node:crypto signs each JWS algorithm (RFC 7518 §3): digest and key options. */
const JWS_SIGNING: Record<SigningAlg, { digest: string | null; options: Omit<SignKeyObjectInput, 'key'> }> = {
  RS256: { digest: 'sha256', options: {} },
  PS256: { digest: 'sha256', options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  ES256: { digest: 'sha256', options: { dsaEncoding: 'ieee-p1363' } },
  EdDSA: { digest: null, options: {} },
};

/**
 * Signs the claims as a compact JWS with header `typ: at+jwt` (RFC 9068 §2.1) and the key's
 * `kid`. node:crypto's callback form signs on the thread pool, so RSA keeps every core busy and
 * the event loop free.
 */
export function signAccessToken(signer: Signer, claims: AccessTokenClaims): Promise<string> {
  const header = Buffer.from(JSON.stringify({ alg: signer.alg, typ: 'at+jwt', kid: signer.kid })).toString('base64url');
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const { digest, options } = JWS_SIGNING[signer.alg];
  return new Promise((resolve, reject) => {
    sign(digest, Buffer.from(input), { key: signer.key, ...options }, (err, signature) => {
      if (err) reject(err);
      else resolve(`${input}.${signature.toString('base64url')}`);
    });
  });
}
