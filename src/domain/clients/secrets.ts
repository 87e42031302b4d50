import { isoTime } from '../../lib/clock.js';
import { sha256Hex } from '../../lib/digest.js';
import { randomToken, timeOrderedId } from '../../lib/random.js';
import type { ClientSecret } from './model.js';

/** A freshly generated secret: the value is shown once, only the digest is stored (docs/security.md#client-secrets-why-sha-256-and-not-a-slow-hash). */
export interface IssuedSecret {
  record: ClientSecret;
  value: string;
}

/** 256 random bits, base64url (unreserved characters only), and its SHA-256 digest. */
export function issueSecret(clientId: string, nowMs: number): IssuedSecret {
  const value = randomToken(32);
  return {
    value,
    record: {
      id: timeOrderedId('sec_', nowMs),
      clientId,
      digest: sha256Hex(value),
      createdAt: isoTime(nowMs),
      expiresAt: null,
      lastUsedAt: null,
    },
  };
}
