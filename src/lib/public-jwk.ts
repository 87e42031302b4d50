import { createPublicKey, type JsonWebKey } from 'node:crypto';

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
 * Checks that a value is a public signing JWK usable with one of ASYMMETRIC_JWS_ALGS: no private
 * or symmetric members, a supported key type and curve, RSA of at least 2048 bits, and key
 * material that parses. Returns null when it is fine.
 */
export function publicJwkProblem(jwk: unknown): JwkProblem | null {
  if (!isRecord(jwk)) return { member: null, detail: 'must be a JSON object' };
  for (const member of PRIVATE_JWK_MEMBERS) {
    if (member in jwk) return { member, detail: 'holds private key material; register public keys only' };
  }
  const supported =
    jwk.kty === 'RSA' || (jwk.kty === 'EC' && jwk.crv === 'P-256') || (jwk.kty === 'OKP' && jwk.crv === 'Ed25519');
  if (!supported) return { member: 'kty', detail: 'must be an RSA, EC P-256 or OKP Ed25519 public key' };
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > 256)) {
    return { member: 'kid', detail: 'must be a non-empty string of at most 256 characters' };
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') return { member: 'use', detail: 'must be "sig" when present' };
  if (jwk.alg !== undefined) {
    if (!isAsymmetricJwsAlg(jwk.alg)) return { member: 'alg', detail: `must be one of ${ASYMMETRIC_JWS_ALGS.join(', ')} when present` };
    if (!jwkFitsAlg({ ...jwk, key_ops: undefined }, jwk.alg)) return { member: 'alg', detail: `does not match the key type ${String(jwk.kty)}` };
  }
  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (jwk.kty === 'RSA' && (bits === undefined || bits < 2048)) return { member: 'n', detail: 'an RSA key must have at least 2048 bits' };
  } catch {
    return { member: null, detail: 'is not a valid public key' };
  }
  return null;
}
