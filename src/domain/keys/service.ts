import { isoTime } from '../../lib/clock.js';
import { apisRepo } from '../../storage/repositories/apis.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { signingKeysRepo } from '../../storage/repositories/signing-keys.js';
import { tenantsRepo } from '../../storage/repositories/tenants.js';
import { transact } from '../../storage/transaction.js';
import { recordAudit } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import { NotFoundError, type Actor } from '../errors.js';
import { MAX_TOKEN_TTL, type SigningAlg } from '../tenants/model.js';
import { generateSigningKey, sealPrivateKey } from './crypto.js';
import type { SigningKey } from './model.js';

/** The longest lifetime any token of the tenant can have now: how long a retired key stays published. */
async function longestTokenLifetime(trx: Executor, tenantId: string): Promise<number> {
  const tenant = await tenantsRepo.get(trx, tenantId);
  const apiMax = await apisRepo.maxTtl(trx, tenantId);
  const clientMax = await trx
    .selectFrom('clients')
    .select((eb) => eb.fn.max('access_token_ttl').as('m'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return Math.min(
    MAX_TOKEN_TTL,
    Math.max(tenant?.accessTokenTtl ?? 0, apiMax ?? 0, clientMax?.m == null ? 0 : Number(clientMax.m)),
  );
}

/**
 * Makes a new key of `alg` the tenant's signing key at once and retires the current one, which
 * stays in the JWKS until every token it signed has expired (DESIGN §5). Runs in `trx`.
 */
export async function activateNewKey(ctx: DomainContext, trx: Executor, tenantId: string, alg: SigningAlg): Promise<SigningKey> {
  const now = ctx.clock.now();
  const existing = await signingKeysRepo.all(trx, tenantId);
  const lifetime = await longestTokenLifetime(trx, tenantId);
  for (const key of existing.filter((k) => k.status === 'active')) {
    await signingKeysRepo.setStatus(trx, tenantId, key.kid, {
      status: 'retired',
      retiredAt: isoTime(now),
      publishUntil: isoTime(now + lifetime * 1000),
    });
  }
  await signingKeysRepo.deleteExpired(trx, tenantId, isoTime(now));
  const generated = await generateSigningKey(alg);
  const key: SigningKey = {
    tenantId,
    kid: generated.kid,
    alg,
    status: 'active',
    publicJwk: generated.publicJwk,
    sealedPrivateKey: sealPrivateKey(ctx.kek, tenantId, generated.kid, generated.privateJwk),
    createdAt: isoTime(now),
    activatedAt: isoTime(now),
    retiredAt: null,
    publishUntil: null,
  };
  await signingKeysRepo.insert(trx, key);
  return key;
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
    const key = await transact(this.ctx.db, async (trx) => {
      const k = await activateNewKey(this.ctx, trx, tenantId, tenant.signingAlg);
      await recordAudit(trx, this.ctx.clock, {
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

  async #tenant(tenantId: string) {
    const tenant = await tenantsRepo.get(this.ctx.db, tenantId);
    if (!tenant) throw new NotFoundError('tenant', tenantId);
    return tenant;
  }
}
