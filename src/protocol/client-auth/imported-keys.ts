import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { JwtVerifier } from '../../lib/jwt-verifier.js';
import type { VerifyJwsAlg } from '../../lib/public-jwk.js';

/**
 * Keys imported, per JWK object and algorithm: a client's registered key set and a federated
 * issuer's cached key set hand out the same objects until they change or are refetched, so each
 * key is imported once, not on every assertion; the entries go with the JWK objects.
 */
const importedKeys = new WeakMap<JWK, Map<string, Promise<KeyObject>>>();

/** The imported key of `jwk` for `alg`, from importedKeys when it was imported before; a failed import is forgotten. */
export function importedKey(verifier: JwtVerifier, jwk: JWK, alg: VerifyJwsAlg): Promise<KeyObject> {
  let byAlg = importedKeys.get(jwk);
  if (!byAlg) importedKeys.set(jwk, (byAlg = new Map<string, Promise<KeyObject>>()));
  let key = byAlg.get(alg);
  if (!key) {
    key = verifier.importKey(jwk, alg);
    byAlg.set(alg, key);
    key.catch(() => byAlg.delete(alg));
  }
  return key;
}
