import { cutoffRelevantUntilMs, cutoffSeconds, isCutOff, type RevokedToken, type TokenCutoff } from '../revocations/model.js';

/** One revoked jti as the feed publishes it: the token's `exp` says when the entry goes. */
export interface RevokedEntry {
  readonly jti: string;
  readonly exp: number;
}

/** One client cut-off as the feed publishes it: tokens of `client_id` with `iat <= cutoff` are revoked. */
export interface CutoffEntry {
  readonly client_id: string;
  /** NumericDate (seconds): floor of the exact cut-off time. */
  readonly cutoff: number;
  /** The exact cut-off time (RFC 3339, milliseconds). */
  readonly cutoff_at: string;
}

/**
 * A tenant's revoked jtis and client cut-offs in memory (RFC 7009), replaced whole on each
 * `revocations` change. Introspection and the feed read only this.
 */
export class Revocations {
  static readonly EMPTY = new Revocations([], []);

  /** jti → the token's exp in ms. */
  readonly #revoked = new Map<string, number>();
  /** client_id → cut-off in ms. */
  readonly #cutoffs = new Map<string, number>();
  readonly #revokedEntries: readonly (RevokedEntry & { expMs: number })[];
  readonly #cutoffEntries: readonly (CutoffEntry & { untilMs: number })[];

  constructor(revoked: readonly RevokedToken[], cutoffs: readonly TokenCutoff[]) {
    const byJti = [...revoked].sort((a, b) => (a.jti < b.jti ? -1 : a.jti > b.jti ? 1 : 0));
    const byClient = [...cutoffs].sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
    this.#revokedEntries = byJti.map((r) => {
      const expMs = Date.parse(r.expiresAt);
      this.#revoked.set(r.jti, expMs);
      return { jti: r.jti, exp: Math.floor(expMs / 1000), expMs };
    });
    this.#cutoffEntries = byClient.map((c) => {
      const ms = Date.parse(c.cutoffAt);
      this.#cutoffs.set(c.clientId, ms);
      return { client_id: c.clientId, cutoff: cutoffSeconds(ms), cutoff_at: c.cutoffAt, untilMs: cutoffRelevantUntilMs(ms) };
    });
  }

  /** Whether a token (its jti, client and `iat` in seconds) is revoked, by itself or by its client's cut-off. */
  isRevoked(token: { jti: string; clientId: string; iat: number }): boolean {
    if (this.#revoked.has(token.jti)) return true;
    const cutoff = this.#cutoffs.get(token.clientId);
    return cutoff !== undefined && isCutOff(token.iat, cutoff);
  }

  /** What the feed publishes at `nowMs`: revocations of unexpired tokens, and cut-offs that can still catch one. */
  published(nowMs: number): { revoked: RevokedEntry[]; cutoffs: CutoffEntry[] } {
    return {
      revoked: this.#revokedEntries.filter((r) => r.expMs > nowMs).map(({ jti, exp }) => ({ jti, exp })),
      cutoffs: this.#cutoffEntries.filter((c) => c.untilMs > nowMs).map(({ client_id, cutoff, cutoff_at }) => ({ client_id, cutoff, cutoff_at })),
    };
  }
}
