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

/**
 * Every asymmetric JWS algorithm Tessera verifies from platforms it federates with (RFC 7518
 * §3.1, RFC 8037 §3.1): the RSA, RSA-PSS and ECDSA families at every hash size, and EdDSA.
 */
export const VERIFY_JWS_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type VerifyJwsAlg = (typeof VERIFY_JWS_ALGS)[number];

export function isVerifyJwsAlg(alg: unknown): alg is VerifyJwsAlg {
  return typeof alg === 'string' && (VERIFY_JWS_ALGS as readonly string[]).includes(alg);
}

/** The curve each ECDSA algorithm signs on (RFC 7518 §3.4). */
const ECDSA_CURVES: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/**
 * Whether a public JWK can verify signatures of any of VERIFY_JWS_ALGS: RSA for the RS and PS families, the
 * matching curve for ES256/384/512, Ed25519 for EdDSA. `uses` lists the `use` values accepted besides none
 * (SPIFFE bundles mark JWT-SVID keys `jwt-svid`).
 */
export function jwkVerifies(jwk: Record<string, unknown>, alg: VerifyJwsAlg, uses: readonly string[] = ['sig']): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (jwk.use !== undefined && !uses.includes(jwk.use as string)) return false;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return false;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return jwk.kty === 'RSA';
  if (alg === 'EdDSA') return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  return jwk.kty === 'EC' && jwk.crv === ECDSA_CURVES[alg];
}

/**
 * The gate of a key a federated issuer publishes (inline, JWKS or SPIFFE bundle): the checks of
 * publicJwkProblem, widened to P-384 and P-521, every algorithm of VERIFY_JWS_ALGS, and `use`
 * `sig` or `jwt-svid`. Returns null when it is fine.
 */
export function federatedJwkProblem(jwk: unknown, parse: (jwk: Record<string, unknown>) => void = parsePublicJwk): JwkProblem | null {
  if (!isRecord(jwk)) return { member: null, detail: 'must be a JSON object' };
  const wideCurve = jwk.kty === 'EC' && (jwk.crv === 'P-384' || jwk.crv === 'P-521');
  // Checked as the P-256 key or `sig` key it otherwise is; the wider curves' sizes are checked by keyMaterialProblem.
  const asNarrow: Record<string, unknown> = { ...jwk, crv: wideCurve ? 'P-256' : jwk.crv, use: jwk.use === 'jwt-svid' ? 'sig' : jwk.use, alg: undefined };
  const problem = publicJwkLimitsProblem(asNarrow);
  if (problem && problem.member !== 'x' && problem.member !== 'y') return problem;
  if (jwk.alg !== undefined) {
    if (!isVerifyJwsAlg(jwk.alg)) return { member: 'alg', detail: `must be one of ${VERIFY_JWS_ALGS.join(', ')} when present` };
    if (!jwkVerifies({ ...jwk, key_ops: undefined }, jwk.alg, ['sig', 'jwt-svid']))
      return { member: 'alg', detail: `does not match the key type ${String(jwk.kty)}` };
  }
  const material = keyMaterialProblem(jwk);
  if (material) return material;
  try {
    parse(jwk);
  } catch {
    return { member: null, detail: 'is not a valid public key' };
  }
  return null;
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
