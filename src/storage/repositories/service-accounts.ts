import { sql, type Selectable, type SqlBool } from 'kysely';
import type { Claims } from '../../domain/claims/model.js';
import type { ServiceAccount } from '../../domain/service-accounts/model.js';
import type { ServiceAccountsTable } from '../schema.js';
import { chunks, rowsPerInsert } from './configuration.js';
import { bool, jsonColumn, parseJsonColumn, type Executor } from './executor.js';
import { toPage, type Page, type PageRequest } from './paging.js';

function toServiceAccount(row: Selectable<ServiceAccountsTable>): ServiceAccount {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    userName: row.user_name,
    displayName: row.display_name,
    active: Number(row.active) === 1,
    claims: parseJsonColumn<Claims>(row.claims),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function row(sa: ServiceAccount) {
  return {
    tenant_id: sa.tenantId,
    id: sa.id,
    user_name: sa.userName,
    display_name: sa.displayName,
    active: bool(sa.active),
    claims: jsonColumn(sa.claims),
    created_at: sa.createdAt,
    updated_at: sa.updatedAt,
  };
}

export const serviceAccountsRepo = {
  async get(db: Executor, tenantId: string, id: string): Promise<ServiceAccount | undefined> {
    const row = await db.selectFrom('service_accounts').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toServiceAccount(row);
  },
  async list(db: Executor, tenantId: string, page: PageRequest, search?: string): Promise<Page<ServiceAccount>> {
    let q = db
      .selectFrom('service_accounts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after) q = q.where('id', '>', page.after);
    if (search) {
      // Portable substring match: case-insensitive (ASCII) on both stores (SQLite's LIKE folds
      // case, PostgreSQL's does not), and `%`, `_` and `\` in the search are literal characters.
      const like = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([sql<SqlBool>`lower(user_name) like ${like} escape '\\'`, sql<SqlBool>`lower(display_name) like ${like} escape '\\'`]));
    }
    return toPage(await q.execute(), page.limit, (r) => r.id, toServiceAccount);
  },
  async all(db: Executor, tenantId: string): Promise<ServiceAccount[]> {
    return (await db.selectFrom('service_accounts').selectAll().where('tenant_id', '=', tenantId).execute()).map(toServiceAccount);
  },
  async insert(db: Executor, sa: ServiceAccount): Promise<void> {
    await db.insertInto('service_accounts').values(row(sa)).execute();
  },
  /** Inserts many service accounts, many rows a statement; `managed`: a configuration document named them. */
  async insertMany(db: Executor, accounts: readonly ServiceAccount[], managed: boolean): Promise<void> {
    for (const part of chunks(accounts, rowsPerInsert(9))) {
      await db
        .insertInto('service_accounts')
        .values(part.map((sa) => ({ ...row(sa), managed: bool(managed) })))
        .execute();
    }
  },
  async update(db: Executor, sa: ServiceAccount): Promise<void> {
    await db
      .updateTable('service_accounts')
      .set({ user_name: sa.userName, display_name: sa.displayName, active: bool(sa.active), claims: jsonColumn(sa.claims), updated_at: sa.updatedAt })
      .where('tenant_id', '=', sa.tenantId)
      .where('id', '=', sa.id)
      .execute();
  },
  async delete(db: Executor, tenantId: string, id: string): Promise<boolean> {
    const r = await db.deleteFrom('service_accounts').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
