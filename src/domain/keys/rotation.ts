import { isoTime } from '../../lib/clock.js';
import { signingKeysRepo } from '../../storage/repositories/signing-keys.js';
import { tenantsRepo } from '../../storage/repositories/tenants.js';
import { transactAudited } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import { createKey, retireActiveKeys } from './service.js';

export interface RotationSchedule {
  /** How long a key signs before the next one takes over, in seconds; 0 turns scheduled rotation off. */
  readonly intervalSeconds: number;
  /** How long the next key is published in the JWKS before it signs, in seconds. */
  readonly publishAheadSeconds: number;
}

const SYSTEM = { id: 'system', reason: 'scheduled key rotation' };

/**
 * Scheduled signing key rotation (docs/security.md#signing-key-rotation): `publishAhead` before the active key is due, the
 * next key is published (verifiers fetch it while it does not sign yet); when due, it signs and
 * the old key is retired, published until its last token expires.
 */
export class KeyRotation {
  constructor(
    private readonly ctx: DomainContext,
    private readonly schedule: RotationSchedule,
  ) {}

  /** Brings every tenant's keys up to date; returns the tenants that changed. */
  async tick(): Promise<string[]> {
    if (this.schedule.intervalSeconds <= 0) return [];
    const changed: string[] = [];
    for (const tenantId of await tenantsRepo.listIds(this.ctx.db)) {
      if (await this.#tickTenant(tenantId)) changed.push(tenantId);
    }
    return changed;
  }

  async #tickTenant(tenantId: string): Promise<boolean> {
    const intervalMs = this.schedule.intervalSeconds * 1000;
    const aheadMs = Math.min(this.schedule.publishAheadSeconds * 1000, intervalMs);
    const changed = await transactAudited(this.ctx, async (trx, audit) => {
      // Every process ticks: the row lock makes concurrent ticks of one tenant take turns, and
      // the later one then sees the keys the earlier one wrote and has nothing left to do.
      const tenant = await tenantsRepo.getForUpdate(trx, tenantId);
      if (!tenant) return false;
      const now = this.ctx.clock.now();
      const keys = await signingKeysRepo.all(trx, tenantId);
      const active = keys.find((k) => k.status === 'active');
      const next = keys.find((k) => k.status === 'next');
      if (!active?.activatedAt) return false;
      const due = Date.parse(active.activatedAt) + intervalMs;
      if (next && now >= due && now >= Date.parse(next.createdAt) + aheadMs) {
        await retireActiveKeys(trx, tenantId, now);
        await signingKeysRepo.setStatus(trx, tenantId, next.kid, { status: 'active', activatedAt: isoTime(now) });
        await audit.record({ tenantId, actor: SYSTEM, action: 'key.activate', targetType: 'signing_key', targetId: next.kid });
        return true;
      }
      if (!next && now >= due - aheadMs) {
        const key = await createKey(this.ctx, trx, tenantId, tenant.signingAlg, 'next');
        await audit.record({
          tenantId,
          actor: SYSTEM,
          action: 'key.publish_next',
          targetType: 'signing_key',
          targetId: key.kid,
          details: { alg: key.alg, signs_from: isoTime(Math.max(due, now + aheadMs)) },
        });
        return true;
      }
      return false;
    });
    if (changed) await this.ctx.changes.publish({ kind: 'tenant', tenantId });
    return changed;
  }
}
