import { isoTime } from '../../lib/clock.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { signingKeysRepo } from '../../storage/repositories/signing-keys.js';
import { tenantsRepo } from '../../storage/repositories/tenants.js';
import { transactAudited, type AuditRecorder } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import type { Actor } from '../errors.js';
import type { Tenant } from '../tenants/model.js';
import type { SigningKey } from './model.js';
import { createKey, promoteNextKey } from './service.js';

export interface RotationSchedule {
  /** How long a key signs before the next one takes over, in seconds; 0 turns scheduled rotation off. */
  readonly intervalSeconds: number;
  /** The least time a next key is published in the JWKS before the scheduled rotation lets it sign, in seconds. */
  readonly publishAheadSeconds: number;
}

const SYSTEM = { id: 'system', reason: 'scheduled key rotation' };
const CATCH_UP = { id: 'system', reason: 'every tenant publishes a next key' };

/** One tenant's step, inside its transaction and holding its row lock; true when it changed something. */
type TenantStep = (trx: Executor, audit: AuditRecorder, tenant: Tenant, keys: SigningKey[]) => Promise<boolean>;

/**
 * Scheduled signing key rotation (docs/security.md#signing-key-rotation): every tenant publishes a
 * next key besides its active key; when the active key is due, the next key signs (verifiers
 * fetched it long ago), the old key is retired, published until its last token expires, and a new
 * next key is published at once.
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
      if (await this.#inTenant(tenantId, (trx, audit, tenant, keys) => this.#tickTenant(trx, audit, tenant, keys))) changed.push(tenantId);
    }
    return changed;
  }

  /** Publishes a next key for every tenant that has none (a store from before tenants always had one); returns those tenants. */
  async publishMissingNextKeys(): Promise<string[]> {
    const changed: string[] = [];
    for (const tenantId of await signingKeysRepo.tenantsWithoutNext(this.ctx.db)) {
      const published = await this.#inTenant(tenantId, async (trx, audit, tenant, keys) => {
        if (keys.some((k) => k.status === 'next')) return false;
        await this.#publishNext(trx, audit, tenant, keys, CATCH_UP);
        return true;
      });
      if (published) changed.push(tenantId);
    }
    return changed;
  }

  async #inTenant(tenantId: string, step: TenantStep): Promise<boolean> {
    const changed = await transactAudited(this.ctx, async (trx, audit) => {
      // Every process ticks: the row lock makes concurrent ticks of one tenant take turns, and
      // the later one then sees the keys the earlier one wrote and has nothing left to do.
      const tenant = await tenantsRepo.getForUpdate(trx, tenantId);
      if (!tenant) return false;
      return step(trx, audit, tenant, await signingKeysRepo.all(trx, tenantId));
    });
    if (changed) await this.ctx.changes.publish({ kind: 'tenant', tenantId });
    return changed;
  }

  async #tickTenant(trx: Executor, audit: AuditRecorder, tenant: Tenant, keys: SigningKey[]): Promise<boolean> {
    const now = this.ctx.clock.now();
    const active = keys.find((k) => k.status === 'active');
    const next = keys.find((k) => k.status === 'next');
    if (!active?.activatedAt) return false;
    if (!next) {
      await this.#publishNext(trx, audit, tenant, keys, SYSTEM);
      return true;
    }
    const due = Date.parse(active.activatedAt) + this.#intervalMs();
    if (now < due || now < Date.parse(next.createdAt) + this.#aheadMs()) return false;
    const rotated = await promoteNextKey(this.ctx, trx, tenant.id, tenant.signingAlg);
    if (!rotated) return false;
    const tenantId = tenant.id;
    await audit.record({
      tenantId,
      actor: SYSTEM,
      action: 'key.activate',
      targetType: 'signing_key',
      targetId: rotated.active.kid,
      details: { mode: 'routine' },
    });
    await audit.record({
      tenantId,
      actor: SYSTEM,
      action: 'key.publish_next',
      targetType: 'signing_key',
      targetId: rotated.next.kid,
      details: { alg: rotated.next.alg, signs_from: isoTime(now + this.#intervalMs()) },
    });
    return true;
  }

  /** Publishes a next key: it signs when the active key is due, and never before it has been published for the publish-ahead time. */
  async #publishNext(trx: Executor, audit: AuditRecorder, tenant: Tenant, keys: SigningKey[], actor: Actor): Promise<void> {
    const now = this.ctx.clock.now();
    const activatedAt = keys.find((k) => k.status === 'active')?.activatedAt;
    const due = activatedAt ? Date.parse(activatedAt) + this.#intervalMs() : now;
    const key = await createKey(this.ctx, trx, tenant.id, tenant.signingAlg, 'next');
    await audit.record({
      tenantId: tenant.id,
      actor,
      action: 'key.publish_next',
      targetType: 'signing_key',
      targetId: key.kid,
      details: { alg: key.alg, ...(this.schedule.intervalSeconds > 0 ? { signs_from: isoTime(Math.max(due, now + this.#aheadMs())) } : {}) },
    });
  }

  #intervalMs(): number {
    return this.schedule.intervalSeconds * 1000;
  }

  #aheadMs(): number {
    return Math.min(this.schedule.publishAheadSeconds * 1000, this.#intervalMs());
  }
}
