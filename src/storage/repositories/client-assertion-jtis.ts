import type { Executor } from './executor.js';
import { insertNewJtis, type JtiKey, type JtiRow } from './single-use-jtis.js';

/** Used `jti`s of private_key_jwt client assertions; a jti is recorded once. */
export const clientAssertionJtisRepo = {
  /** Inserts the jtis (the owner is the client) not recorded yet, leaving replays as they are; answers those it inserted. */
  insertNew(db: Executor, rows: readonly JtiRow[]): Promise<JtiKey[]> {
    return insertNewJtis(db, 'client_assertion_jtis', 'client_id', rows);
  },
  /** Deletes every jti whose assertion could no longer be accepted at `now`; returns how many. */
  async deleteExpired(db: Executor, now: string): Promise<number> {
    const r = await db.deleteFrom('client_assertion_jtis').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};
