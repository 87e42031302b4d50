import { isoTime } from '../../lib/clock.js';
import { translated } from '../../storage/errors.js';
import { transact } from '../../storage/transaction.js';
import { SingleUseBatches, type RecordOnceElsewhere } from '../single-use.js';
import { federatedAssertionJtisRepo } from '../../storage/repositories/federated-assertion-jtis.js';
import type { DomainContext } from '../context.js';

/**
 * Single-use `jti`s of federated assertions from issuers registered with `require_jti` (RFC 7523
 * §3 item 7), shared through the database so that a replay fails in every process; those of one
 * turn of the event loop are written together.
 */
export class FederatedAssertionJtis {
  readonly #batches: SingleUseBatches;

  /** `elsewhere`: in a cluster's worker, the primary records them (one writer for the embedded store's lock, not one per worker). */
  constructor(
    private readonly ctx: DomainContext,
    private readonly elsewhere?: RecordOnceElsewhere,
  ) {
    this.#batches = new SingleUseBatches((rows) => transact(ctx.db, (trx) => federatedAssertionJtisRepo.insertNew(trx, rows)));
  }

  /** Records the issuer's jti as used until `expiresAtMs`; false when it was used before (a replay). */
  remember(input: { tenantId: string; issuerId: string; jti: string; expiresAtMs: number }): Promise<boolean> {
    if (this.elsewhere) return this.elsewhere({ kind: 'federated_assertion', ...input });
    return this.#batches.record({ tenantId: input.tenantId, ownerId: input.issuerId, jti: input.jti, expiresAt: isoTime(input.expiresAtMs) });
  }

  /** Forgets every jti whose assertion could no longer be accepted; returns how many. */
  purgeExpired(): Promise<number> {
    return translated(() => federatedAssertionJtisRepo.deleteExpired(this.ctx.db, isoTime(this.ctx.clock.now())));
  }
}
