import { isoTime } from '../../lib/clock.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { signingKeysRepo } from '../../storage/repositories/signing-keys.js';
import { tenantsRepo } from '../../storage/repositories/tenants.js';
import { transactAudited } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import { ConflictError, NotFoundError, type Actor } from '../errors.js';
import { MAX_TOKEN_TTL, type SigningAlg } from '../tenants/model.js';
import { generateSigningKey, sealPrivateKey } from './crypto.js';
import type { SigningKey } from './model.js';

/**
 * Retires the tenant's active key. It stays published until every token it signed has expired:
 * for the longest lifetime any setting allows, since lifetimes may have been longer earlier in
 * the key's life than they are now.
 */
export async function retireActiveKeys(trx: Executor, tenantId: string, nowMs: number): Promise<void> {
  const lifetime = MAX_TOKEN_TTL;
  for (const key of (await signingKeysRepo.all(trx, tenantId)).filter((k) => k.status === 'active')) {
    await signingKeysRepo.setStatus(trx, tenantId, key.kid, {
      status: 'retired',
      retiredAt: isoTime(nowMs),
      publishUntil: isoTime(nowMs + lifetime * 1000),
    });
  }
  await signingKeysRepo.deleteExpired(trx, tenantId, isoTime(nowMs));
}

/** Generates a key and stores it sealed, with the given status. */
export async function createKey(ctx: DomainContext, trx: Executor, tenantId: string, alg: SigningAlg, status: 'active' | 'next'): Promise<SigningKey> {
  const now = ctx.clock.now();
  const generated = await generateSigningKey(alg);
  const key: SigningKey = {
    tenantId,
    kid: generated.kid,
    alg,
    status,
    publicJwk: generated.publicJwk,
    sealedPrivateKey: sealPrivateKey(ctx.kek, tenantId, generated.kid, generated.privateJwk),
    createdAt: isoTime(now),
    activatedAt: status === 'active' ? isoTime(now) : null,
    retiredAt: null,
    publishUntil: null,
  };
  await signingKeysRepo.insert(trx, key);
  return key;
}

/**
 * Makes a new key of `alg` the tenant's signing key at once (emergency rotation, or a new
 * algorithm) and retires the current one. A key published as next is dropped: after an
 * emergency, only fresh key material is trusted. Runs in `trx`, holding the tenant's row lock.
 */
export async function activateNewKey(ctx: DomainContext, trx: Executor, tenantId: string, alg: SigningAlg): Promise<SigningKey> {
  await tenantsRepo.getForUpdate(trx, tenantId);
  await retireActiveKeys(trx, tenantId, ctx.clock.now());
  await signingKeysRepo.deleteNext(trx, tenantId);
  return createKey(ctx, trx, tenantId, alg, 'active');
}

export class KeysService {
  constructor(private readonly ctx: DomainContext) {}

  async list(tenantId: string): Promise<SigningKey[]> {
    await this.#tenant(tenantId);
    return signingKeysRepo.all(this.ctx.db, tenantId);
  }

  /** Manual (emergency) rotation: the new key signs at once. */
  async rotate(actor: Actor, tenantId: string): Promise<SigningKey> {
    const tenant = await this.#tenant(tenantId);
    const key = await transactAudited(this.ctx, async (trx, audit) => {
      const k = await activateNewKey(this.ctx, trx, tenantId, tenant.signingAlg);
      await audit.record({
        tenantId,
        actor,
        action: 'key.rotate',
        targetType: 'signing_key',
        targetId: k.kid,
        details: { alg: k.alg },
      });
      return k;
    });
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
    return key;
  }

  /**
   * Withdraws a retired or next key from the JWKS at once (a leaked key): tokens it signed stop
   * verifying. The active key cannot be withdrawn; rotate first.
   */
  async withdraw(actor: Actor, tenantId: string, kid: string): Promise<void> {
    await this.#tenant(tenantId);
    await transactAudited(this.ctx, async (trx, audit) => {
      // Taking turns with the scheduled rotation, which might be activating this very key.
      await tenantsRepo.getForUpdate(trx, tenantId);
      const key = (await signingKeysRepo.all(trx, tenantId)).find((k) => k.kid === kid);
      if (!key) throw new NotFoundError('signing key', kid);
      if (key.status === 'active') throw new ConflictError('the active key signs tokens; rotate first, then withdraw it');
      await signingKeysRepo.delete(trx, tenantId, kid);
      await audit.record({ tenantId, actor, action: 'key.withdraw', targetType: 'signing_key', targetId: kid, details: { status: key.status } });
    });
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
  }

  async #tenant(tenantId: string) {
    const tenant = await tenantsRepo.get(this.ctx.db, tenantId);
    if (!tenant) throw new NotFoundError('tenant', tenantId);
    return tenant;
  }
}
