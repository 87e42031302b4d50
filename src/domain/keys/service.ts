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

/** The key that signs after a rotation, and the `next` key published with it. */
export interface RotatedKeys {
  active: SigningKey;
  next: SigningKey;
}

/**
 * Makes a new key of `alg` the tenant's signing key at once (emergency rotation, a new algorithm, a
 * new tenant) and retires the current one. A key published as next is replaced by a fresh one: after
 * an emergency, only fresh key material is trusted. Runs in `trx`, holding the tenant's row lock.
 */
export async function activateNewKey(ctx: DomainContext, trx: Executor, tenantId: string, alg: SigningAlg): Promise<RotatedKeys> {
  await tenantsRepo.getForUpdate(trx, tenantId);
  await retireActiveKeys(trx, tenantId, ctx.clock.now());
  await signingKeysRepo.deleteNext(trx, tenantId);
  const active = await createKey(ctx, trx, tenantId, alg, 'active');
  return { active, next: await createKey(ctx, trx, tenantId, alg, 'next') };
}

/**
 * Routine rotation: the published `next` key of `alg` signs from now on (verifiers that cached the
 * JWKS already hold it), the active key is retired, and a new `next` key is published at once.
 * Null when the tenant publishes no next key of `alg`. Runs in `trx`, holding the tenant's row lock.
 */
export async function promoteNextKey(ctx: DomainContext, trx: Executor, tenantId: string, alg: SigningAlg): Promise<RotatedKeys | null> {
  await tenantsRepo.getForUpdate(trx, tenantId);
  const next = (await signingKeysRepo.all(trx, tenantId)).find((k) => k.status === 'next' && k.alg === alg);
  if (!next) return null;
  const now = ctx.clock.now();
  await retireActiveKeys(trx, tenantId, now);
  const active: SigningKey = { ...next, status: 'active', activatedAt: isoTime(now) };
  await signingKeysRepo.setStatus(trx, tenantId, next.kid, { status: 'active', activatedAt: isoTime(now) });
  return { active, next: await createKey(ctx, trx, tenantId, alg, 'next') };
}

/** How `POST /keys/rotate` rotates: `routine` promotes the published next key, `emergency` signs at once with a fresh one. */
export type RotationMode = 'routine' | 'emergency';

export class KeysService {
  constructor(private readonly ctx: DomainContext) {}

  async list(tenantId: string): Promise<SigningKey[]> {
    await this.#tenant(tenantId);
    return signingKeysRepo.all(this.ctx.db, tenantId);
  }

  /**
   * Rotates now: `routine` promotes the published next key, `emergency` makes a fresh key sign at
   * once and replaces the next key too. Either way a new next key is published; returns the key
   * that now signs.
   */
  async rotate(actor: Actor, tenantId: string, mode: RotationMode = 'routine'): Promise<SigningKey> {
    const tenant = await this.#tenant(tenantId);
    const key = await transactAudited(this.ctx, async (trx, audit) => {
      const rotated =
        mode === 'emergency'
          ? await activateNewKey(this.ctx, trx, tenantId, tenant.signingAlg)
          : await promoteNextKey(this.ctx, trx, tenantId, tenant.signingAlg);
      if (!rotated) throw new ConflictError('the tenant publishes no next key to promote; rotate with emergency=true');
      await audit.record({
        tenantId,
        actor,
        action: 'key.rotate',
        targetType: 'signing_key',
        targetId: rotated.active.kid,
        details: { mode, alg: rotated.active.alg, next: rotated.next.kid },
      });
      return rotated.active;
    });
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
    return key;
  }

  /**
   * Withdraws a retired or next key from the JWKS at once (a leaked key): tokens it signed stop
   * verifying; a withdrawn next key is replaced by a fresh one. The active key cannot be
   * withdrawn; rotate first.
   */
  async withdraw(actor: Actor, tenantId: string, kid: string): Promise<void> {
    const tenant = await this.#tenant(tenantId);
    await transactAudited(this.ctx, async (trx, audit) => {
      // Taking turns with the scheduled rotation, which might be activating this very key.
      await tenantsRepo.getForUpdate(trx, tenantId);
      const key = (await signingKeysRepo.all(trx, tenantId)).find((k) => k.kid === kid);
      if (!key) throw new NotFoundError('signing key', kid);
      if (key.status === 'active') throw new ConflictError('the active key signs tokens; rotate first, then withdraw it');
      await signingKeysRepo.delete(trx, tenantId, kid);
      // The tenant always publishes a next key: a withdrawn one is replaced by a fresh one.
      const next = key.status === 'next' ? await createKey(this.ctx, trx, tenantId, tenant.signingAlg, 'next') : null;
      await audit.record({
        tenantId,
        actor,
        action: 'key.withdraw',
        targetType: 'signing_key',
        targetId: kid,
        details: { status: key.status, ...(next ? { next: next.kid } : {}) },
      });
    });
    await this.ctx.changes.publish({ kind: 'tenant', tenantId });
  }

  async #tenant(tenantId: string) {
    const tenant = await tenantsRepo.get(this.ctx.db, tenantId);
    if (!tenant) throw new NotFoundError('tenant', tenantId);
    return tenant;
  }
}
