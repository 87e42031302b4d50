import { sql, type Selectable } from 'kysely';
import type { JWK } from 'jose';
import type { KeyStatus, SigningKey } from '../../domain/keys/model.js';
import type { SigningAlg } from '../../domain/tenants/model.js';
import type { SigningKeysTable } from '../schema.js';
import type { Executor } from './executor.js';

function toKey(row: Selectable<SigningKeysTable>): SigningKey {
  return {
    tenantId: row.tenant_id,
    kid: row.kid,
    alg: row.alg as SigningAlg,
    status: row.status as KeyStatus,
    publicJwk: JSON.parse(row.public_jwk) as JWK,
    sealedPrivateKey: row.private_key,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
    retiredAt: row.retired_at,
    publishUntil: row.publish_until,
  };
}

export const signingKeysRepo = {
  /** Every key of the tenant, newest first (of keys made at one instant, the next key before the active one). */
  async all(db: Executor, tenantId: string): Promise<SigningKey[]> {
    const rows = await db
      .selectFrom('signing_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'desc')
      .orderBy(sql`case status when 'next' then 0 when 'active' then 1 else 2 end`)
      .execute();
    return rows.map(toKey);
  },
  /** The tenants that publish no next key, in id order. */
  async tenantsWithoutNext(db: Executor): Promise<string[]> {
    const rows = await db
      .selectFrom('tenants')
      .select('id')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb.selectFrom('signing_keys').select('kid').whereRef('signing_keys.tenant_id', '=', 'tenants.id').where('signing_keys.status', '=', 'next'),
          ),
        ),
      )
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  },
  async insert(db: Executor, k: SigningKey): Promise<void> {
    await db
      .insertInto('signing_keys')
      .values({
        tenant_id: k.tenantId,
        kid: k.kid,
        alg: k.alg,
        status: k.status,
        public_jwk: JSON.stringify(k.publicJwk),
        private_key: k.sealedPrivateKey,
        created_at: k.createdAt,
        activated_at: k.activatedAt,
        retired_at: k.retiredAt,
        publish_until: k.publishUntil,
      })
      .execute();
  },
  async setStatus(
    db: Executor,
    tenantId: string,
    kid: string,
    change: { status: KeyStatus; activatedAt?: string; retiredAt?: string; publishUntil?: string },
  ): Promise<void> {
    await db
      .updateTable('signing_keys')
      .set({
        status: change.status,
        ...(change.activatedAt ? { activated_at: change.activatedAt } : {}),
        ...(change.retiredAt ? { retired_at: change.retiredAt } : {}),
        ...(change.publishUntil ? { publish_until: change.publishUntil } : {}),
      })
      .where('tenant_id', '=', tenantId)
      .where('kid', '=', kid)
      .execute();
  },
  async delete(db: Executor, tenantId: string, kid: string): Promise<boolean> {
    const r = await db.deleteFrom('signing_keys').where('tenant_id', '=', tenantId).where('kid', '=', kid).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  /** Removes keys published as next that never signed (an immediate rotation supersedes them). */
  async deleteNext(db: Executor, tenantId: string): Promise<number> {
    const r = await db.deleteFrom('signing_keys').where('tenant_id', '=', tenantId).where('status', '=', 'next').executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  /** Removes retired keys whose last token has expired. */
  async deleteExpired(db: Executor, tenantId: string, now: string): Promise<number> {
    const r = await db
      .deleteFrom('signing_keys')
      .where('tenant_id', '=', tenantId)
      .where('status', '=', 'retired')
      .where('publish_until', '<', now)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};
