import type { Executor } from './executor.js';
import { insertNewJtis, type JtiKey, type JtiRow } from './single-use-jtis.js';

/** Used `jti`s of federated assertions (issuers with require_jti); a jti is recorded once. */
export const federatedAssertionJtisRepo = {
  /** Inserts the jtis (the owner is the issuer) not recorded yet, leaving replays as they are; answers those it inserted. */
  insertNew(db: Executor, rows: readonly JtiRow[]): Promise<JtiKey[]> {
    return insertNewJtis(db, 'federated_assertion_jtis', 'issuer_id', rows);
  },
  /** Deletes every jti whose assertion could no longer be accepted at `now`; returns how many. */
  async deleteExpired(db: Executor, now: string): Promise<number> {
    const r = await db.deleteFrom('federated_assertion_jtis').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};
