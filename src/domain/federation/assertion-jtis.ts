import { isoTime } from '../../lib/clock.js';
import { translated } from '../../storage/errors.js';
import { transact } from '../../storage/transaction.js';
import { recordedOnce, type RecordOnceElsewhere } from '../single-use.js';
import { federatedAssertionJtisRepo } from '../../storage/repositories/federated-assertion-jtis.js';
import type { DomainContext } from '../context.js';

/**
 * Single-use `jti`s of federated assertions from issuers registered with `require_jti` (RFC 7523
 * §3 item 7), shared through the database so that a replay fails in every process.
 */
export class FederatedAssertionJtis {
  /** `elsewhere`: in a cluster's worker, the primary records them (one writer for the embedded store's lock, not one per worker). */
  constructor(
    private readonly ctx: DomainContext,
    private readonly elsewhere?: RecordOnceElsewhere,
  ) {}

  /** Records the issuer's jti as used until `expiresAtMs`; false when it was used before (a replay). */
  remember(input: { tenantId: string; issuerId: string; jti: string; expiresAtMs: number }): Promise<boolean> {
    if (this.elsewhere) return this.elsewhere({ kind: 'federated_assertion', ...input });
    return recordedOnce(() =>
      transact(this.ctx.db, (trx) =>
        federatedAssertionJtisRepo.insert(trx, {
          tenantId: input.tenantId,
          issuerId: input.issuerId,
          jti: input.jti,
          expiresAt: isoTime(input.expiresAtMs),
        }),
      ),
    );
  }

  /** Forgets every jti whose assertion could no longer be accepted; returns how many. */
  purgeExpired(): Promise<number> {
    return translated(() => federatedAssertionJtisRepo.deleteExpired(this.ctx.db, isoTime(this.ctx.clock.now())));
  }
}
