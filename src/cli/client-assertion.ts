import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { ASYMMETRIC_JWS_ALGS, isAsymmetricJwsAlg, type AsymmetricJwsAlg } from '../lib/public-jwk.js';
import { randomToken } from '../lib/random.js';
import { usageError } from './errors.js';

/** How long a signed assertion is valid: well inside the 300 s Tessera allows. */
const ASSERTION_LIFETIME_SECONDS = 60;

/** A private signing key read from a file, with the algorithm and kid it brings. */
export interface AssertionKey {
  readonly key: KeyObject;
  /** `--alg`, else the JWK's `alg`, else the one the key type calls for (RSA: RS256, RSA-PSS: PS256, EC P-256: ES256, Ed25519: EdDSA). */
  readonly alg: AsymmetricJwsAlg;
  /** `--kid`, else the JWK's `kid` if the file is a JWK that has one. */
  readonly kid: string | undefined;
}

/** The algorithm a key's type calls for; undefined for a type Tessera does not accept. */
function algOf(key: KeyObject): AsymmetricJwsAlg | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ES256' : undefined;
    case 'ed25519':
      return 'EdDSA';
    default:
      return undefined;
  }
}

/**
 * Reads `--private-key FILE`: a PEM private key (PKCS#8, or PKCS#1/SEC1 as openssl writes them)
 * or a private JWK (RFC 7517) in JSON, with `--alg` and `--kid` when given. A file that cannot be
 * read or used, or an algorithm that does not fit the key, is wrong usage named after the option.
 */
export function readAssertionKey(path: string, wanted: { alg?: AsymmetricJwsAlg | undefined; kid?: string | undefined } = {}): AssertionKey {
  const fail = (why: string) => usageError(`--private-key ${path}: ${why}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fail((err as Error).message);
  }
  let key: KeyObject;
  let jwk: JsonWebKey | undefined;
  try {
    if (text.trimStart().startsWith('{')) {
      jwk = JSON.parse(text) as JsonWebKey;
      if (typeof jwk.d !== 'string') throw new Error('the JWK holds no private key ("d")');
      key = createPrivateKey({ key: jwk, format: 'jwk' });
    } else {
      key = createPrivateKey(text);
    }
  } catch (err) {
    throw fail(`not a PEM private key or a private JWK (${(err as Error).message})`);
  }
  const fromType = algOf(key);
  if (fromType === undefined) throw fail('the key must be RSA, EC P-256 or Ed25519');
  const declared = jwk?.alg;
  if (declared !== undefined && !isAsymmetricJwsAlg(declared))
    throw fail(`the JWK's alg ${typeof declared === 'string' ? declared : JSON.stringify(declared)} is not one of ${ASYMMETRIC_JWS_ALGS.join(', ')}`);
  const alg = wanted.alg ?? declared ?? fromType;
  // An RSA key signs RS256 and PS256 alike; every other type has one algorithm.
  if (alg !== fromType && !(fromType === 'RS256' && alg === 'PS256'))
    throw usageError(`--alg ${alg} does not fit the ${key.asymmetricKeyType} key of --private-key ${path}`);
  return { key, alg, kid: wanted.kid ?? (typeof jwk?.kid === 'string' ? jwk.kid : undefined) };
}

/**
 * A client assertion for private_key_jwt (RFC 7523 §3, OpenID Connect Core §9): iss = sub = the
 * client id, aud = the token endpoint, a random jti, valid for 60 seconds from `nowSeconds`.
 */
export async function signClientAssertion(options: { clientId: string; audience: string; key: AssertionKey; nowSeconds: number }): Promise<string> {
  const { key, alg, kid } = options.key;
  const jwt = new SignJWT({ jti: randomToken(16) })
    .setProtectedHeader({ alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }) })
    .setIssuer(options.clientId)
    .setSubject(options.clientId)
    .setAudience(options.audience)
    .setIssuedAt(options.nowSeconds)
    .setExpirationTime(options.nowSeconds + ASSERTION_LIFETIME_SECONDS);
  return jwt.sign(key);
}
