import type { Selectable } from 'kysely';
import type { AdminToken } from '../../domain/admin-tokens/model.js';
import type { AdminTokensTable } from '../schema.js';
import type { Executor } from './executor.js';
import { toPage, type Page, type PageRequest } from './paging.js';

function toAdminToken(row: Selectable<AdminTokensTable>): AdminToken {
  return { id: row.id, tenantId: row.tenant_id, name: row.name, digest: row.digest, createdAt: row.created_at };
}

/**
 * Admin tokens are installation-wide (a token may be limited to a tenant, or to none), so the
 * digest is unique on its own: it is how a presented token is found.
 */
export const adminTokensRepo = {
  async findByDigest(db: Executor, digest: string): Promise<AdminToken | undefined> {
    const row = await db.selectFrom('admin_tokens').selectAll().where('digest', '=', digest).executeTakeFirst();
    return row && toAdminToken(row);
  },
  async get(db: Executor, id: string): Promise<AdminToken | undefined> {
    const row = await db.selectFrom('admin_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toAdminToken(row);
  },
  async list(db: Executor, page: PageRequest, tenantId?: string): Promise<Page<AdminToken>> {
    let q = db.selectFrom('admin_tokens').selectAll().orderBy('id').limit(page.limit + 1);
    if (page.after) q = q.where('id', '>', page.after);
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    return toPage(await q.execute(), page.limit, (r) => r.id, toAdminToken);
  },
  async count(db: Executor): Promise<number> {
    const r = await db.selectFrom('admin_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  },
  async insert(db: Executor, t: AdminToken): Promise<void> {
    await db
      .insertInto('admin_tokens')
      .values({ id: t.id, tenant_id: t.tenantId, name: t.name, digest: t.digest, created_at: t.createdAt })
      .execute();
  },
  async delete(db: Executor, id: string): Promise<boolean> {
    const r = await db.deleteFrom('admin_tokens').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
