import type { Selectable } from 'kysely';
import type { Tenant, SigningAlg } from '../../domain/tenants/model.js';
import type { TenantsTable } from '../schema.js';
import type { Executor } from './executor.js';
import { toPage, type Page, type PageRequest } from './paging.js';

function toTenant(row: Selectable<TenantsTable>): Tenant {
  return {
    id: row.id,
    name: row.name,
    signingAlg: row.signing_alg as SigningAlg,
    accessTokenTtl: Number(row.access_token_ttl),
    tlsClientCas: JSON.parse(row.tls_client_cas) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export const tenantsRepo = {
  async get(db: Executor, id: string): Promise<Tenant | undefined> {
    const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
  },
  /**
   * Reads the tenant and locks its row until the transaction `db` ends (`SELECT … FOR UPDATE` on
   * PostgreSQL; SQLite serialises writers anyway): writers of the tenant's keys take turns.
   */
  async getForUpdate(db: Executor, id: string): Promise<Tenant | undefined> {
    const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    return row && toTenant(row);
  },
  async list(db: Executor, page: PageRequest, only?: string): Promise<Page<Tenant>> {
    let q = db
      .selectFrom('tenants')
      .selectAll()
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after) q = q.where('id', '>', page.after);
    if (only) q = q.where('id', '=', only);
    return toPage(await q.execute(), page.limit, (r) => r.id, toTenant);
  },
  async listIds(db: Executor): Promise<string[]> {
    return (await db.selectFrom('tenants').select('id').orderBy('id').execute()).map((r) => r.id);
  },
  async insert(db: Executor, t: Tenant): Promise<void> {
    await db
      .insertInto('tenants')
      .values({
        id: t.id,
        name: t.name,
        signing_alg: t.signingAlg,
        access_token_ttl: t.accessTokenTtl,
        tls_client_cas: JSON.stringify(t.tlsClientCas),
        created_at: t.createdAt,
        updated_at: t.updatedAt,
      })
      .execute();
  },
  async update(db: Executor, t: Tenant): Promise<void> {
    await db
      .updateTable('tenants')
      .set({
        name: t.name,
        signing_alg: t.signingAlg,
        access_token_ttl: t.accessTokenTtl,
        tls_client_cas: JSON.stringify(t.tlsClientCas),
        updated_at: t.updatedAt,
      })
      .where('id', '=', t.id)
      .execute();
  },
  async delete(db: Executor, id: string): Promise<boolean> {
    const r = await db.deleteFrom('tenants').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
