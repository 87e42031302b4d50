import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { keyMaterialProblem } from './jwk-key-material.js';

/** The asymmetric JWS algorithms accepted from others (RFC 7518 §3.1, RFC 8037 §3.1). */
export const ASYMMETRIC_JWS_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type AsymmetricJwsAlg = (typeof ASYMMETRIC_JWS_ALGS)[number];

/** JWK members holding private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** What is wrong with a JWK, and under which member when one is to blame. */
export interface JwkProblem {
  member: string | null;
  detail: string;
}

export function isAsymmetricJwsAlg(alg: unknown): alg is AsymmetricJwsAlg {
  return typeof alg === 'string' && (ASYMMETRIC_JWS_ALGS as readonly string[]).includes(alg);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a public JWK can verify signatures of `alg`: RSA for RS256/PS256, P-256 for ES256, Ed25519 for EdDSA. */
export function jwkFitsAlg(jwk: Record<string, unknown>, alg: AsymmetricJwsAlg): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return false;
  switch (alg) {
    case 'RS256':
    case 'PS256':
      return jwk.kty === 'RSA';
    case 'ES256':
      return jwk.kty === 'EC' && jwk.crv === 'P-256';
    case 'EdDSA':
      return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  }
}

/**
 * The checks of a public signing JWK that cost nothing but arithmetic on its members (no key
 * parsing, no signature): a JSON object without private or symmetric members, a supported key type
 * and curve, `kid`, `use` and `alg` well-formed, and key material within keyMaterialProblem's
 * limits (RSA e = 65537 and 2048–4096 bits; exact-size EC and OKP coordinates). Every JWK from
 * outside passes here before anything costly is done with it. Returns null when it is fine.
 */
export function publicJwkLimitsProblem(jwk: unknown): JwkProblem | null {
  if (!isRecord(jwk)) return { member: null, detail: 'must be a JSON object' };
  for (const member of PRIVATE_JWK_MEMBERS) {
    if (member in jwk) return { member, detail: 'holds private key material; register public keys only' };
  }
  const supported = jwk.kty === 'RSA' || (jwk.kty === 'EC' && jwk.crv === 'P-256') || (jwk.kty === 'OKP' && jwk.crv === 'Ed25519');
  if (!supported) return { member: 'kty', detail: 'must be an RSA, EC P-256 or OKP Ed25519 public key' };
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > 256)) {
    return { member: 'kid', detail: 'must be a non-empty string of at most 256 characters' };
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') return { member: 'use', detail: 'must be "sig" when present' };
  if (jwk.alg !== undefined) {
    if (!isAsymmetricJwsAlg(jwk.alg)) return { member: 'alg', detail: `must be one of ${ASYMMETRIC_JWS_ALGS.join(', ')} when present` };
    if (!jwkFitsAlg({ ...jwk, key_ops: undefined }, jwk.alg)) return { member: 'alg', detail: `does not match the key type ${String(jwk.kty)}` };
  }
  return keyMaterialProblem(jwk);
}

/** Parses a public JWK, throwing when its material is not a valid key (node:crypto). */
export function parsePublicJwk(jwk: Record<string, unknown>): void {
  createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
}

/**
 * The gate of every public signing JWK that enters Tessera (client `jwks`, `jwks_uri` documents,
 * any later key source): publicJwkLimitsProblem first, and only a key that passes it is handed to
 * `parse` (by default node:crypto's parser) to check that its material is a valid key. Returns
 * null when it is fine.
 */
export function publicJwkProblem(jwk: unknown, parse: (jwk: Record<string, unknown>) => void = parsePublicJwk): JwkProblem | null {
  const problem = publicJwkLimitsProblem(jwk);
  if (problem) return problem;
  try {
    parse(jwk as Record<string, unknown>);
  } catch {
    return { member: null, detail: 'is not a valid public key' };
  }
  return null;
}
