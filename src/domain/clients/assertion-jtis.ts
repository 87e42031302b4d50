import { isoTime } from '../../lib/clock.js';
import { translated } from '../../storage/errors.js';
import { transact } from '../../storage/transaction.js';
import { SingleUseBatches, type RecordOnceElsewhere } from '../single-use.js';
import { clientAssertionJtisRepo } from '../../storage/repositories/client-assertion-jtis.js';
import type { DomainContext } from '../context.js';

/**
 * Single-use `jti`s of client assertions (RFC 7523 §3 item 7), shared through the database so a
 * replay fails in every process. Recording one is the only write of the token path (docs/private-key-jwt-and-dpop.md#replay-protection);
 * those of one turn of the event loop are written together.
 */
export class ClientAssertionJtis {
  readonly #batches: SingleUseBatches;

  /** `elsewhere`: in a cluster's worker, the primary records them (one writer for the embedded store's lock, not one per worker). */
  constructor(
    private readonly ctx: DomainContext,
    private readonly elsewhere?: RecordOnceElsewhere,
  ) {
    this.#batches = new SingleUseBatches((rows) => transact(ctx.db, (trx) => clientAssertionJtisRepo.insertNew(trx, rows)));
  }

  /** Records the jti as used until `expiresAtMs`; false when it was used before (a replay). */
  remember(input: { tenantId: string; clientId: string; jti: string; expiresAtMs: number }): Promise<boolean> {
    if (this.elsewhere) return this.elsewhere({ kind: 'client_assertion', ...input });
    return this.#batches.record({ tenantId: input.tenantId, ownerId: input.clientId, jti: input.jti, expiresAt: isoTime(input.expiresAtMs) });
  }

  /** Forgets every jti whose assertion could no longer be accepted; returns how many. */
  purgeExpired(): Promise<number> {
    return translated(() => clientAssertionJtisRepo.deleteExpired(this.ctx.db, isoTime(this.ctx.clock.now())));
  }
}
