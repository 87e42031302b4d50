import { constants, verify, type KeyObject } from 'node:crypto';
import type { VerifyJwsAlg } from '../public-jwk.js';

/** The smallest RSA modulus accepted for RS* and PS* signatures (RFC 7518 §3.3 and §3.5). */
export const MIN_RSA_MODULUS_BITS = 2048;

/** What node:crypto needs to check a signature of one JWS algorithm (RFC 7518 §3, RFC 8037 §3.1). */
interface AlgorithmCheck {
  /** The digest, or null for EdDSA, which hashes on its own. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** The key's asymmetricKeyType. */
  readonly keyType: 'rsa' | 'ec' | 'ed25519';
  /** The EC key's named curve (OpenSSL's name). */
  readonly curve?: string;
  /** The exact length of a valid signature, when the algorithm fixes it. */
  readonly signatureBytes?: number;
  /** RSASSA-PSS: the salt is as long as the hash (RFC 7518 §3.5). */
  readonly pssSaltBytes?: number;
}

const CHECKS: Record<VerifyJwsAlg, AlgorithmCheck> = {
  RS256: { hash: 'sha256', keyType: 'rsa' },
  RS384: { hash: 'sha384', keyType: 'rsa' },
  RS512: { hash: 'sha512', keyType: 'rsa' },
  PS256: { hash: 'sha256', keyType: 'rsa', pssSaltBytes: 32 },
  PS384: { hash: 'sha384', keyType: 'rsa', pssSaltBytes: 48 },
  PS512: { hash: 'sha512', keyType: 'rsa', pssSaltBytes: 64 },
  // ECDSA signatures are R || S, each as long as the curve's order (RFC 7518 §3.4), not DER.
  ES256: { hash: 'sha256', keyType: 'ec', curve: 'prime256v1', signatureBytes: 64 },
  ES384: { hash: 'sha384', keyType: 'ec', curve: 'secp384r1', signatureBytes: 96 },
  ES512: { hash: 'sha512', keyType: 'ec', curve: 'secp521r1', signatureBytes: 132 },
  EdDSA: { hash: null, keyType: 'ed25519', signatureBytes: 64 },
};

/** Why `key` cannot check `alg` signatures (a private key, another key type or curve, an RSA modulus too small), or null when it can. */
export function keyProblemFor(alg: VerifyJwsAlg, key: KeyObject): string | null {
  const check = CHECKS[alg];
  if (key.type !== 'public') return `${alg} signatures are checked with a public key, not a ${key.type} one`;
  if (key.asymmetricKeyType !== check.keyType) return `${alg} needs a ${check.keyType} key, not ${key.asymmetricKeyType ?? 'this one'}`;
  const details = key.asymmetricKeyDetails ?? {};
  if (check.curve !== undefined && details.namedCurve !== check.curve)
    return `${alg} needs a key on ${check.curve}, not ${details.namedCurve ?? 'an unknown curve'}`;
  if (check.keyType === 'rsa' && (details.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
    return `${alg} requires key modulusLength to be ${MIN_RSA_MODULUS_BITS} bits or larger`;
  }
  return null;
}

/**
 * Whether `signature` is `alg`'s signature of `signingInput` under `key` (RFC 7515 §5.2 step 8),
 * synchronously: a key that keyProblemFor accepted; a signature of the wrong length, or one the
 * key refuses to read, is false.
 */
export function signatureVerifies(alg: VerifyJwsAlg, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  const check = CHECKS[alg];
  if (check.signatureBytes !== undefined && signature.length !== check.signatureBytes) return false;
  const keyWithOptions =
    check.pssSaltBytes !== undefined
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: check.pssSaltBytes }
      : check.keyType === 'ec'
        ? { key, dsaEncoding: 'ieee-p1363' as const }
        : key;
  try {
    return verify(check.hash, signingInput, keyWithOptions, signature);
  } catch {
    return false;
  }
}
