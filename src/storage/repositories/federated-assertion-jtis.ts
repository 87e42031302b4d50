import type { Executor } from './executor.js';

/** Used `jti`s of federated assertions (issuers with require_jti); the primary key makes a second use fail. */
export const federatedAssertionJtisRepo = {
  /** Inserts the jti; a replay makes the primary key refuse it (the caller translates the error). */
  async insert(db: Executor, row: { tenantId: string; issuerId: string; jti: string; expiresAt: string }): Promise<void> {
    await db
      .insertInto('federated_assertion_jtis')
      .values({ tenant_id: row.tenantId, issuer_id: row.issuerId, jti: row.jti, expires_at: row.expiresAt })
      .execute();
  },
  /** Deletes every jti whose assertion could no longer be accepted at `now`; returns how many. */
  async deleteExpired(db: Executor, now: string): Promise<number> {
    const r = await db.deleteFrom('federated_assertion_jtis').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};
