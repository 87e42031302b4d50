import type { Executor } from './executor.js';

/** Used `jti`s of private_key_jwt client assertions; the primary key makes a second use fail. */
export const clientAssertionJtisRepo = {
  /** Inserts the jti; a replay makes the primary key refuse it (the caller translates the error). */
  async insert(db: Executor, row: { tenantId: string; clientId: string; jti: string; expiresAt: string }): Promise<void> {
    await db
      .insertInto('client_assertion_jtis')
      .values({ tenant_id: row.tenantId, client_id: row.clientId, jti: row.jti, expires_at: row.expiresAt })
      .execute();
  },
  /** Deletes every jti whose assertion could no longer be accepted at `now`; returns how many. */
  async deleteExpired(db: Executor, now: string): Promise<number> {
    const r = await db.deleteFrom('client_assertion_jtis').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};
