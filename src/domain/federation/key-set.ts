import type { JWK } from 'jose';
import { federatedJwkProblem } from '../../lib/public-jwk.js';

/** At most this many keys of one federated issuer are kept. */
export const MAX_FEDERATED_KEYS = 50;

/**
 * The usable keys of a federated issuer's JWK Set (RFC 7517 §5) or SPIFFE bundle (SPIFFE Trust
 * Domain and Bundle §4): the members that pass federatedJwkProblem (X.509-SVID keys, private,
 * symmetric and unsupported members are skipped), at most MAX_FEDERATED_KEYS. Throws when nothing
 * usable is left.
 */
export function federatedKeySet(doc: unknown): JWK[] {
  const keys = typeof doc === 'object' && doc !== null ? (doc as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new Error('the document is not a JWK Set');
  const usable = keys.filter((k): k is JWK => federatedJwkProblem(k) === null).slice(0, MAX_FEDERATED_KEYS);
  if (usable.length === 0) throw new Error('the JWK Set holds no usable public signing key');
  return usable;
}

/** A SPIFFE bundle's `spiffe_refresh_hint` in seconds (SPIFFE Trust Domain and Bundle §4.1.2), or null when absent or not a positive integer. */
export function spiffeRefreshHint(doc: unknown): number | null {
  const hint = typeof doc === 'object' && doc !== null ? (doc as { spiffe_refresh_hint?: unknown }).spiffe_refresh_hint : undefined;
  return typeof hint === 'number' && Number.isSafeInteger(hint) && hint > 0 ? hint : null;
}
