import type { Selectable } from 'kysely';
import type { Grant } from '../../domain/grants/model.js';
import type { GrantsTable } from '../schema.js';
import { chunks, rowsPerInsert } from './configuration.js';
import { bool, type Executor } from './executor.js';
import { toPage, type Page, type PageRequest } from './paging.js';

function toGrant(row: Selectable<GrantsTable>): Grant {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    clientId: row.client_id,
    serviceAccountId: row.service_account_id,
    apiId: row.api_id,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
  };
}

function row(g: Grant) {
  return {
    tenant_id: g.tenantId,
    id: g.id,
    client_id: g.clientId,
    service_account_id: g.serviceAccountId,
    api_id: g.apiId,
    scopes: JSON.stringify(g.scopes),
    created_at: g.createdAt,
  };
}

export interface GrantFilter {
  clientId?: string | undefined;
  serviceAccountId?: string | undefined;
  apiId?: string | undefined;
}

export const grantsRepo = {
  async get(db: Executor, tenantId: string, id: string): Promise<Grant | undefined> {
    const row = await db.selectFrom('grants').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toGrant(row);
  },
  async list(db: Executor, tenantId: string, page: PageRequest, filter: GrantFilter = {}): Promise<Page<Grant>> {
    let q = db
      .selectFrom('grants')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after) q = q.where('id', '>', page.after);
    if (filter.clientId) q = q.where('client_id', '=', filter.clientId);
    if (filter.serviceAccountId) q = q.where('service_account_id', '=', filter.serviceAccountId);
    if (filter.apiId) q = q.where('api_id', '=', filter.apiId);
    return toPage(await q.execute(), page.limit, (r) => r.id, toGrant);
  },
  async all(db: Executor, tenantId: string, filter: GrantFilter = {}): Promise<Grant[]> {
    let q = db.selectFrom('grants').selectAll().where('tenant_id', '=', tenantId);
    if (filter.apiId) q = q.where('api_id', '=', filter.apiId);
    return (await q.execute()).map(toGrant);
  },
  async insert(db: Executor, g: Grant): Promise<void> {
    await db.insertInto('grants').values(row(g)).execute();
  },
  /** Inserts many grants, many rows a statement; `managed`: a configuration document named them. */
  async insertMany(db: Executor, grants: readonly Grant[], managed: boolean): Promise<void> {
    for (const part of chunks(grants, rowsPerInsert(8))) {
      await db
        .insertInto('grants')
        .values(part.map((g) => ({ ...row(g), managed: bool(managed) })))
        .execute();
    }
  },
  async updateScopes(db: Executor, tenantId: string, id: string, scopes: string[]): Promise<void> {
    await db
      .updateTable('grants')
      .set({ scopes: JSON.stringify(scopes) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
  },
  async delete(db: Executor, tenantId: string, id: string): Promise<boolean> {
    const r = await db.deleteFrom('grants').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
