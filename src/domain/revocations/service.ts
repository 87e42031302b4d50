import { isoTime } from '../../lib/clock.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import { revokedTokensRepo } from '../../storage/repositories/revoked-tokens.js';
import { tokenCutoffsRepo } from '../../storage/repositories/token-cutoffs.js';
import { transact } from '../../storage/transaction.js';
import { transactAudited } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import { NotFoundError, type Actor } from '../errors.js';
import { spentCutoffsBeforeMs, type TokenCutoff } from './model.js';

/** The access token a client revokes: what the revocation must remember of it. */
export interface TokenToRevoke {
  jti: string;
  clientId: string;
  /** The token's `exp`, in ms: the revocation is kept until then. */
  expiresAtMs: number;
}

/**
 * Revocation of access tokens (RFC 7009) and of everything a client holds (per-client cut-off).
 * Each write commits with its audit event, then the tenant's read model reloads its revocations.
 */
export class RevocationsService {
  constructor(private readonly ctx: DomainContext) {}

  /** Records one token's jti as revoked until it expires (RFC 7009 §2.1). A jti revoked twice keeps its first record. */
  async revokeToken(actor: Actor, tenantId: string, token: TokenToRevoke): Promise<void> {
    const now = this.ctx.clock.now();
    const added = await transactAudited(this.ctx, async (trx, audit) => {
      const inserted = await revokedTokensRepo.insert(trx, {
        tenantId,
        jti: token.jti,
        clientId: token.clientId,
        expiresAt: isoTime(token.expiresAtMs),
        revokedAt: isoTime(now),
      });
      if (inserted) {
        await audit.record({
          tenantId,
          actor,
          action: 'token.revoke',
          targetType: 'access_token',
          targetId: token.jti,
          details: { client_id: token.clientId, expires_at: isoTime(token.expiresAtMs) },
        });
      }
      return inserted;
    });
    if (added) await this.ctx.changes.publish({ kind: 'revocations', tenantId });
  }

  /**
   * Revokes every token the client holds now: its cut-off becomes this instant (never moving
   * back), and every token with `iat * 1000 <= cutoff_at` is inactive from then on.
   */
  async revokeClientTokens(actor: Actor, tenantId: string, clientId: string): Promise<TokenCutoff> {
    const now = this.ctx.clock.now();
    const cutoff = await transactAudited(this.ctx, async (trx, audit) => {
      if (!(await clientsRepo.get(trx, tenantId, clientId))) throw new NotFoundError('client', clientId);
      const previous = await tokenCutoffsRepo.get(trx, tenantId, clientId);
      const cutoffAt = previous && Date.parse(previous.cutoffAt) > now ? previous.cutoffAt : isoTime(now);
      const next: TokenCutoff = { tenantId, clientId, cutoffAt };
      await tokenCutoffsRepo.upsert(trx, next);
      await audit.record({
        tenantId,
        actor,
        action: 'client.tokens.revoke',
        targetType: 'client',
        targetId: clientId,
        details: { cutoff_at: cutoffAt, previous_cutoff_at: previous?.cutoffAt ?? null },
      });
      return next;
    });
    await this.ctx.changes.publish({ kind: 'revocations', tenantId });
    return cutoff;
  }

  /**
   * Forgets, in every tenant, revocations of tokens that have expired and cut-offs that can no
   * longer catch an unexpired token. Returns the tenants whose revocations changed.
   */
  async purgeExpired(): Promise<string[]> {
    const now = this.ctx.clock.now();
    const touched = await transact(this.ctx.db, async (trx) => {
      const a = await revokedTokensRepo.deleteExpired(trx, isoTime(now));
      const b = await tokenCutoffsRepo.deleteBefore(trx, isoTime(spentCutoffsBeforeMs(now)));
      return [...new Set([...a, ...b])].sort();
    });
    for (const tenantId of touched) await this.ctx.changes.publish({ kind: 'revocations', tenantId });
    return touched;
  }
}
