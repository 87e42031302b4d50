import type { CryptoKey, JWK } from 'jose';
import type { JwtVerifier } from '../../lib/jwt-verifier.js';

/**
 * Keys imported, per JWK object and algorithm: a client's registered key set and a federated
 * issuer's cached key set hand out the same objects until they change or are refetched, so each
 * key is imported once, not on every assertion; the entries go with the JWK objects.
 */
const importedKeys = new WeakMap<JWK, Map<string, Promise<CryptoKey | Uint8Array>>>();

/** The imported key of `jwk` for `alg`, from importedKeys when it was imported before; a failed import is forgotten. */
export function importedKey(verifier: JwtVerifier, jwk: JWK, alg: string): Promise<CryptoKey | Uint8Array> {
  let byAlg = importedKeys.get(jwk);
  if (!byAlg) importedKeys.set(jwk, (byAlg = new Map<string, Promise<CryptoKey | Uint8Array>>()));
  let key = byAlg.get(alg);
  if (!key) {
    key = verifier.importKey(jwk, alg);
    byAlg.set(alg, key);
    key.catch(() => byAlg.delete(alg));
  }
  return key;
}
