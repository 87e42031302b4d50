import { digestsEqual, sha256 } from '../../lib/digest.js';
import { digestBytes, type ClientEntry } from '../../domain/read-model/tenant-state.js';

const DUMMY_DIGEST = sha256('tessera: a digest no secret has');

/**
 * Checks a presented secret against the client's unexpired secrets in constant time; an unknown
 * client is compared against a dummy digest so that it costs the same. Returns the secret's id.
 */
export function matchSecret(entry: ClientEntry | undefined, presented: string, nowMs: number): string | null {
  const digest = sha256(presented);
  if (!entry || entry.secrets.length === 0) {
    digestsEqual(digest, DUMMY_DIGEST);
    return null;
  }
  let matched: string | null = null;
  for (const s of entry.secrets) {
    const equal = digestsEqual(digest, digestBytes(s.digest));
    if (equal && (s.expiresAtMs === null || s.expiresAtMs > nowMs)) matched = s.id;
  }
  return matched;
}
