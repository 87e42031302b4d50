import type { JSONWebKeySet, JWK } from 'jose';
import { publicJwkLimitsProblem, publicJwkProblem, type JwkProblem } from '../../lib/public-jwk.js';
import type { FieldError } from '../errors.js';

/** At most this many keys in a client's inline JWK Set. */
export const MAX_CLIENT_KEYS = 20;

/**
 * The field errors of an inline JWK Set (RFC 7517 §5) under `/jwks`: one to MAX_CLIENT_KEYS public
 * signing keys, none with private members, key ids distinct. Each key passes `check` (a client's
 * keys publicJwkProblem, a federated issuer's federatedJwkProblem).
 */
export function jwksFieldErrors(jwks: JSONWebKeySet, check: (jwk: unknown) => JwkProblem | null = publicJwkProblem): FieldError[] {
  const keys: unknown = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_CLIENT_KEYS) {
    return [{ pointer: '/jwks/keys', detail: `must hold 1 to ${MAX_CLIENT_KEYS} keys` }];
  }
  const errors: FieldError[] = [];
  const kids = new Set<string>();
  keys.forEach((key: unknown, i) => {
    const problem = check(key);
    if (problem) {
      errors.push({ pointer: `/jwks/keys/${i}${problem.member ? `/${problem.member}` : ''}`, detail: problem.detail });
      return;
    }
    const kid = (key as JWK).kid;
    if (kid !== undefined) {
      if (kids.has(kid)) errors.push({ pointer: `/jwks/keys/${i}/kid`, detail: `duplicate kid ${JSON.stringify(kid)}` });
      kids.add(kid);
    }
  });
  return errors;
}

/**
 * The keys of a stored inline JWK Set that are within the key limits (publicJwkLimitsProblem):
 * a key stored before the limits existed (an RSA exponent other than 65537, say) is never used to
 * verify. The same set when every key is; by arithmetic only, so loading many clients stays cheap.
 */
export function keysWithinLimits(jwks: JSONWebKeySet): JSONWebKeySet {
  const keys = jwks.keys.filter((key) => publicJwkLimitsProblem(key) === null);
  return keys.length === jwks.keys.length ? jwks : { keys };
}

/**
 * What is wrong with a `jwks_uri` as written, or null: an absolute http(s) URL without credentials
 * or fragment. Where it leads (https to public addresses, or what TESSERA_OUTBOUND_ALLOW names)
 * is the document fetcher's check.
 */
export function jwksUriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  if (url.hash !== '' || uri.includes('#')) return 'must not contain a fragment';
  return null;
}
