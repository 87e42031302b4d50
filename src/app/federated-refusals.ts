import type { Logger } from 'pino';
import type { AuditService } from '../domain/audit/service.js';
import type { Clock } from '../lib/clock.js';
import { ExpiringSet } from '../lib/expiring-set.js';
import type { FederatedRefusal, FederatedRefusalListener } from '../protocol/client-auth/federated.js';

/** At most one audit event per (tenant, iss, sub) within this many milliseconds, per process. */
export const REFUSAL_AUDIT_INTERVAL_MS = 60_000;

/** At most this many refusal events per tenant within REFUSAL_AUDIT_INTERVAL_MS, per process: `iss` and `sub` are the caller's to vary. */
export const REFUSAL_AUDIT_BUDGET = 100;

/**
 * Writes the audit event `client.federated.refused` of refused federated tokens, out of the
 * request path (like a lockout's): at most one per (tenant, iss, sub) per minute and
 * REFUSAL_AUDIT_BUDGET per tenant per minute in this process, so that a flood of bad tokens never
 * becomes a flood of writes. Every refusal is on the request's log line anyway; a failed write is
 * logged, never thrown at the request.
 */
export class FederatedRefusalAudit implements FederatedRefusalListener {
  readonly #seen = new ExpiringSet();
  /** tenant → times (ms) of the events written within the interval, oldest first. */
  readonly #written = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly audit: Pick<AuditService, 'record'>,
    private readonly logger: Pick<Logger, 'error'>,
  ) {}

  refused(refusal: FederatedRefusal): void {
    const now = this.clock.now();
    const { tenantId, iss, sub, issuerId, clientId, reason, via } = refusal;
    if (!this.#withinBudget(tenantId, now)) return;
    if (!this.#seen.add(JSON.stringify([tenantId, iss, sub]), now + REFUSAL_AUDIT_INTERVAL_MS, now)) return;
    this.#spend(tenantId, now);
    const target =
      clientId !== null
        ? { targetType: 'client', targetId: clientId }
        : issuerId !== null
          ? { targetType: 'federated_issuer', targetId: issuerId }
          : { targetType: 'tenant', targetId: tenantId };
    this.audit
      .record({
        tenantId,
        actor: { id: 'system', reason: 'federated token refused' },
        action: 'client.federated.refused',
        ...target,
        details: { iss, sub, reason, via },
      })
      .catch((err: unknown) => this.logger.error({ err, tenant: tenantId }, 'could not write the audit event of a refused federated token'));
  }

  #withinBudget(tenantId: string, now: number): boolean {
    const since = now - REFUSAL_AUDIT_INTERVAL_MS;
    const times = (this.#written.get(tenantId) ?? []).filter((t) => t > since);
    if (times.length === 0) this.#written.delete(tenantId);
    else this.#written.set(tenantId, times);
    return times.length < REFUSAL_AUDIT_BUDGET;
  }

  #spend(tenantId: string, now: number): void {
    const times = this.#written.get(tenantId) ?? [];
    times.push(now);
    this.#written.set(tenantId, times);
  }
}
