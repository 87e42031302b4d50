import { translated, UniqueViolation } from '../storage/errors.js';

/** A value that may be used once: a client assertion's `jti`, or a federated assertion's (issuers with require_jti). */
export type SingleUseRecord =
  | { readonly kind: 'client_assertion'; readonly tenantId: string; readonly clientId: string; readonly jti: string; readonly expiresAtMs: number }
  | { readonly kind: 'federated_assertion'; readonly tenantId: string; readonly issuerId: string; readonly jti: string; readonly expiresAtMs: number };

/**
 * Records a single-use value somewhere else (a cluster worker: through its primary, the one
 * process of the cluster that writes them): true when recorded, false for a replay.
 */
export type RecordOnceElsewhere = (record: SingleUseRecord) => Promise<boolean>;

/**
 * Records a value that may be used once (an assertion's `jti`, RFC 7523 §3 item 7) with `insert`,
 * whose unique key refuses a second use: true when it was recorded, false when it was there
 * already (a replay). Other failures are thrown.
 */
export async function recordedOnce(insert: () => Promise<void>): Promise<boolean> {
  try {
    await translated(insert);
    return true;
  } catch (err) {
    if (err instanceof UniqueViolation) return false;
    throw err;
  }
}
