import { MAX_TOKEN_TTL } from '../tenants/model.js';

/** An access token revoked by its client (RFC 7009), remembered until the token would have expired. */
export interface RevokedToken {
  tenantId: string;
  jti: string;
  clientId: string;
  /** The token's own `exp`, as an RFC 3339 time: the revocation is forgotten after it. */
  expiresAt: string;
  revokedAt: string;
}

/**
 * A per-client cut-off: every token the client received up to this instant is revoked.
 *
 * Tokens carry `iat` in whole seconds while the cut-off is kept to the millisecond, so the rule is
 * `iat * 1000 <= cutoff_at` (equivalently `iat <= floor(cutoff_at / 1000)`): a token issued
 * before the cut-off is always caught, and one issued later in the cut-off's own second is
 * revoked too (over-revoking at most one second, never missing a token).
 */
export interface TokenCutoff {
  tenantId: string;
  clientId: string;
  cutoffAt: string;
}

/** The `iat` (NumericDate) at or below which a cut-off revokes a token. */
export function cutoffSeconds(cutoffAtMs: number): number {
  return Math.floor(cutoffAtMs / 1000);
}

/** Whether a token issued at `iat` (seconds) is caught by a cut-off set at `cutoffAtMs`. */
export function isCutOff(iat: number, cutoffAtMs: number): boolean {
  return iat * 1000 <= cutoffAtMs;
}

/**
 * Until when a cut-off can still catch an unexpired token: a token with `iat <= cutoff` expires
 * at most MAX_TOKEN_TTL seconds later. After that the cut-off is dropped from memory, the feed
 * and the database.
 */
export function cutoffRelevantUntilMs(cutoffAtMs: number): number {
  return (cutoffSeconds(cutoffAtMs) + MAX_TOKEN_TTL) * 1000;
}

/**
 * Cut-offs set before this instant can no longer catch an unexpired token at `nowMs` (the same
 * rule as `cutoffRelevantUntilMs(c) > nowMs`, solved for c): they are neither loaded nor kept.
 */
export function spentCutoffsBeforeMs(nowMs: number): number {
  return (Math.floor(nowMs / 1000) - MAX_TOKEN_TTL + 1) * 1000;
}
