import type { Selectable } from 'kysely';
import type { RevokedToken } from '../../domain/revocations/model.js';
import type { RevokedTokensTable } from '../schema.js';
import type { Executor } from './executor.js';

function toRevoked(row: Selectable<RevokedTokensTable>): RevokedToken {
  return { tenantId: row.tenant_id, jti: row.jti, clientId: row.client_id, expiresAt: row.expires_at, revokedAt: row.revoked_at };
}

export const revokedTokensRepo = {
  /** Records a revocation; a jti already revoked keeps its first record. Returns whether a row was added. */
  async insert(db: Executor, r: RevokedToken): Promise<boolean> {
    const result = await db
      .insertInto('revoked_tokens')
      .values({ tenant_id: r.tenantId, jti: r.jti, client_id: r.clientId, expires_at: r.expiresAt, revoked_at: r.revokedAt })
      .onConflict((oc) => oc.columns(['tenant_id', 'jti']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  },
  /** The tenant's revocations whose token has not expired at `now`, by jti. */
  async unexpired(db: Executor, tenantId: string, now: string): Promise<RevokedToken[]> {
    const rows = await db.selectFrom('revoked_tokens').selectAll().where('tenant_id', '=', tenantId).where('expires_at', '>', now).orderBy('jti').execute();
    return rows.map(toRevoked);
  },
  /** Deletes, in every tenant, revocations whose token expired at or before `now`; returns the tenants touched. */
  async deleteExpired(db: Executor, now: string): Promise<string[]> {
    const tenants = await db.selectFrom('revoked_tokens').select('tenant_id').distinct().where('expires_at', '<=', now).execute();
    if (tenants.length === 0) return [];
    await db.deleteFrom('revoked_tokens').where('expires_at', '<=', now).execute();
    return tenants.map((r) => r.tenant_id);
  },
};
