import type { JWK } from 'jose';
import { nodeJwtVerifier, type JwtVerifier } from '../../src/lib/jwt-verifier.js';

/** A JwtVerifier that records what reaches it (the keys imported, the JWTs verified) and lets Tessera's own verifier do the work. */
export interface CountingVerifier extends JwtVerifier {
  readonly imported: JWK[];
  readonly verified: string[];
  /** Forgets what was recorded so far. */
  reset(): void;
}

/** A CountingVerifier over Tessera's verifier, for startTessera's `jwtVerifier`. */
export function countingVerifier(): CountingVerifier {
  const inner = nodeJwtVerifier();
  const imported: JWK[] = [];
  const verified: string[] = [];
  return {
    imported,
    verified,
    importKey: (jwk, alg) => {
      imported.push(jwk);
      return inner.importKey(jwk, alg);
    },
    verify: (jwt, key, options) => {
      verified.push(jwt);
      return inner.verify(jwt, key, options);
    },
    reset: () => {
      imported.length = 0;
      verified.length = 0;
    },
  };
}
