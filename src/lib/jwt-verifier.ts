import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors, type JWK, type JWSHeaderParameters, type JWTPayload } from 'jose';
import { checkJwtClaims, type JwtClaimRules } from './jwt/claims.js';
import { keyProblemFor, signatureVerifies } from './jwt/signature.js';
import { isVerifyJwsAlg, type VerifyJwsAlg } from './public-jwk.js';

/** How a JWT is checked: the algorithms its header may name, and its claims' rules. */
export interface JwtVerifyOptions extends JwtClaimRules {
  readonly algorithms: readonly VerifyJwsAlg[];
}

/** A JWT whose signature and claims passed. */
export interface VerifiedJwt {
  readonly payload: JWTPayload;
  readonly protectedHeader: JWSHeaderParameters;
}

/**
 * The costly steps of checking a signed JWT: turning a public JWK into a key, and verifying the
 * signature (RFC 7515 §5.2) and then the claims (RFC 7519 §7.2). Verifiers are handed one and
 * call it only after every cheap check has passed, so what reaches it is observable (tests count
 * its calls).
 */
export interface JwtVerifier {
  /** Imports a public JWK that passed publicJwkLimitsProblem for `alg`; throws when its material is not a valid key for it. */
  importKey(jwk: JWK, alg: VerifyJwsAlg): Promise<KeyObject>;
  /** Verifies a compact JWT's signature with `key`, then its claims per `options`; throws jose's error classes. */
  verify(jwt: string, key: KeyObject, options: JwtVerifyOptions): Promise<VerifiedJwt>;
}

/**
 * The JwtVerifier of a running Tessera, on node:crypto: a signature is checked synchronously on
 * the request's thread. jose's jwtVerify goes through WebCrypto, whose thread hop, argument
 * checks and garbage cost more than the signature itself on the token path (docs/benchmarks.md);
 * its semantics and error classes are kept (test/lib/jwt-verifier.test.ts compares the two).
 */
export function nodeJwtVerifier(): JwtVerifier {
  return { importKey: importPublicKey, verify: verifyJwt };
}

async function importPublicKey(jwk: JWK, alg: VerifyJwsAlg): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch (cause) {
    throw new errors.JOSENotSupported('The JWK is not a valid public key', { cause });
  }
  const problem = keyProblemFor(alg, key);
  if (problem) throw new errors.JOSENotSupported(problem);
  return key;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A base64url segment's bytes; anything else (padding, other characters, an impossible length) throws `fail`. */
function base64url(segment: string, fail: () => Error): Buffer {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) throw fail();
  return Buffer.from(segment, 'base64url');
}

/** A segment that holds a JSON object in UTF-8, or `fail`. */
function jsonObject(segment: string, fail: () => Error): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(base64url(segment, fail)));
  } catch {
    throw fail();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail();
  return value as Record<string, unknown>;
}

/**
 * RFC 7515 §5.2 for a compact JWS holding a JWT, then RFC 7519 §7.2: three base64url segments;
 * a protected header that is a JSON object, with no `crit` (Tessera understands no extension, so
 * any is refused, §4.1.11) and an `alg` among `options.algorithms` that `key` fits; the signature;
 * then a payload that is a JSON object and passes checkJwtClaims.
 */
async function verifyJwt(jwt: string, key: KeyObject, options: JwtVerifyOptions): Promise<VerifiedJwt> {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new errors.JWSInvalid('Invalid Compact JWS');
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  const header = jsonObject(encodedHeader, () => new errors.JWSInvalid('JWS Protected Header is invalid')) as JWSHeaderParameters;
  if (header.crit !== undefined) throw new errors.JOSENotSupported('No "crit" (Critical) Header Parameter extension is recognized');
  const { alg } = header;
  if (typeof alg !== 'string' || alg === '') throw new errors.JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid');
  if (!isVerifyJwsAlg(alg) || !options.algorithms.includes(alg)) throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  const problem = keyProblemFor(alg, key);
  if (problem) throw new TypeError(problem);

  const signature = base64url(encodedSignature, () => new errors.JWSInvalid('Failed to base64url decode the signature'));
  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'latin1');
  if (!signatureVerifies(alg, key, signingInput, signature)) throw new errors.JWSSignatureVerificationFailed();

  const payload = jsonObject(encodedPayload, () => new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object')) as JWTPayload;
  checkJwtClaims(header, payload, options);
  return { payload, protectedHeader: header };
}
