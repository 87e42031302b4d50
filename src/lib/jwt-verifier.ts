import { importJWK, jwtVerify, type CryptoKey, type JWK, type JWTVerifyOptions, type JWTVerifyResult } from 'jose';

/**
 * The costly steps of checking a signed JWT: turning a public JWK into a key, and verifying the
 * signature (RFC 7515 §5.2) with jose's claim checks. Verifiers are handed one and call it only
 * after every cheap check has passed, so what reaches it is observable (tests count its calls).
 */
export interface JwtVerifier {
  /** Imports a public JWK that passed publicJwkLimitsProblem; throws when its material is not a valid key. */
  importKey(jwk: JWK, alg: string): Promise<CryptoKey | Uint8Array>;
  /** Verifies a compact JWT's signature with `key` and its claims per `options`; throws jose's errors. */
  verify(jwt: string, key: CryptoKey | Uint8Array, options: JWTVerifyOptions): Promise<JWTVerifyResult>;
}

/** The JwtVerifier of a running Tessera: jose's importJWK and jwtVerify. */
export function joseJwtVerifier(): JwtVerifier {
  return { importKey: importJWK, verify: jwtVerify };
}
