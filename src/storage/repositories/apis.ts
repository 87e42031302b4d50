import type { Selectable } from 'kysely';
import type { Api, ApiScope } from '../../domain/apis/model.js';
import type { Claims } from '../../domain/claims/model.js';
import type { ApisTable } from '../schema.js';
import { chunks, rowsPerInsert } from './configuration.js';
import { bool, jsonColumn, parseJsonColumn, type Executor } from './executor.js';
import { toPage, type Page, type PageRequest } from './paging.js';

function toApi(row: Selectable<ApisTable>): Api {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    name: row.name,
    identifier: row.identifier,
    scopes: JSON.parse(row.scopes) as ApiScope[],
    accessTokenTtl: row.access_token_ttl === null ? null : Number(row.access_token_ttl),
    dpopBoundAccessTokens: Number(row.dpop_bound_access_tokens) === 1,
    tokenExchange: row.token_exchange === 'deny' ? 'deny' : 'allow',
    builtIn: Number(row.built_in) === 1,
    claims: parseJsonColumn<Claims>(row.claims),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function row(a: Api) {
  return {
    tenant_id: a.tenantId,
    id: a.id,
    name: a.name,
    identifier: a.identifier,
    scopes: JSON.stringify(a.scopes),
    access_token_ttl: a.accessTokenTtl,
    dpop_bound_access_tokens: bool(a.dpopBoundAccessTokens),
    token_exchange: a.tokenExchange,
    built_in: bool(a.builtIn),
    claims: jsonColumn(a.claims),
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

export const apisRepo = {
  async get(db: Executor, tenantId: string, id: string): Promise<Api | undefined> {
    const row = await db.selectFrom('apis').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toApi(row);
  },
  async getByIdentifier(db: Executor, tenantId: string, identifier: string): Promise<Api | undefined> {
    const row = await db.selectFrom('apis').selectAll().where('tenant_id', '=', tenantId).where('identifier', '=', identifier).executeTakeFirst();
    return row && toApi(row);
  },
  async list(db: Executor, tenantId: string, page: PageRequest): Promise<Page<Api>> {
    let q = db
      .selectFrom('apis')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after) q = q.where('id', '>', page.after);
    return toPage(await q.execute(), page.limit, (r) => r.id, toApi);
  },
  async all(db: Executor, tenantId: string): Promise<Api[]> {
    return (await db.selectFrom('apis').selectAll().where('tenant_id', '=', tenantId).execute()).map(toApi);
  },
  async maxTtl(db: Executor, tenantId: string): Promise<number | null> {
    const r = await db
      .selectFrom('apis')
      .select((eb) => eb.fn.max('access_token_ttl').as('m'))
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return r?.m == null ? null : Number(r.m);
  },
  async insert(db: Executor, a: Api): Promise<void> {
    await db.insertInto('apis').values(row(a)).execute();
  },
  /** Inserts many APIs, many rows a statement; `managed`: a configuration document named them. */
  async insertMany(db: Executor, apis: readonly Api[], managed: boolean): Promise<void> {
    for (const part of chunks(apis, rowsPerInsert(13))) {
      await db
        .insertInto('apis')
        .values(part.map((a) => ({ ...row(a), managed: bool(managed) })))
        .execute();
    }
  },
  async update(db: Executor, a: Api): Promise<void> {
    await db
      .updateTable('apis')
      .set({
        name: a.name,
        identifier: a.identifier,
        scopes: JSON.stringify(a.scopes),
        access_token_ttl: a.accessTokenTtl,
        dpop_bound_access_tokens: bool(a.dpopBoundAccessTokens),
        claims: jsonColumn(a.claims),
        token_exchange: a.tokenExchange,
        updated_at: a.updatedAt,
      })
      .where('tenant_id', '=', a.tenantId)
      .where('id', '=', a.id)
      .execute();
  },
  async delete(db: Executor, tenantId: string, id: string): Promise<boolean> {
    const r = await db.deleteFrom('apis').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
