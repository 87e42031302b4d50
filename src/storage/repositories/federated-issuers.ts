import { sql, type Selectable } from 'kysely';
import type { JSONWebKeySet } from 'jose';
import type { FederatedIssuer, FederatedIssuerKind, FederationAlg } from '../../domain/federation/model.js';
import { dialectOf } from '../dialects.js';
import type { FederatedIssuersTable } from '../schema.js';
import { chunks, rowsPerInsert } from './configuration.js';
import { bool, type Executor } from './executor.js';
import { toPage, type Page, type PageRequest } from './paging.js';

/** PostgreSQL advisory lock key of federation registrations: "tessera" in ASCII, then 3. */
const FEDERATION_LOCK = '8386093285548597507';

function parsed<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function toIssuer(row: Selectable<FederatedIssuersTable>): FederatedIssuer {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    kind: row.kind as FederatedIssuerKind,
    issuer: row.issuer,
    jwks: parsed<JSONWebKeySet>(row.jwks),
    jwksUri: row.jwks_uri,
    discoveryUrl: row.discovery_url,
    audiences: parsed<string[]>(row.audiences),
    maxTokenAge: Number(row.max_token_age),
    requireJti: Number(row.require_jti) === 1,
    bearerTokenFile: row.bearer_token_file,
    allowLongerThanAssertion: Number(row.allow_longer_than_assertion) === 1,
    algorithms: parsed<FederationAlg[]>(row.algorithms),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function columns(i: FederatedIssuer) {
  return {
    name: i.name,
    kind: i.kind,
    issuer: i.issuer,
    jwks: i.jwks === null ? null : JSON.stringify(i.jwks),
    jwks_uri: i.jwksUri,
    discovery_url: i.discoveryUrl,
    audiences: i.audiences === null ? null : JSON.stringify(i.audiences),
    max_token_age: i.maxTokenAge,
    require_jti: bool(i.requireJti),
    bearer_token_file: i.bearerTokenFile,
    allow_longer_than_assertion: bool(i.allowLongerThanAssertion),
    algorithms: i.algorithms === null ? null : JSON.stringify(i.algorithms),
    updated_at: i.updatedAt,
  };
}

export const federatedIssuersRepo = {
  async get(db: Executor, tenantId: string, id: string): Promise<FederatedIssuer | undefined> {
    const row = await db.selectFrom('federated_issuers').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toIssuer(row);
  },
  /** The tenant's issuer whose `issuer` is exactly this string. */
  async getByIssuer(db: Executor, tenantId: string, issuer: string): Promise<FederatedIssuer | undefined> {
    const row = await db.selectFrom('federated_issuers').selectAll().where('tenant_id', '=', tenantId).where('issuer', '=', issuer).executeTakeFirst();
    return row && toIssuer(row);
  },
  /** Every tenant's registration of this `issuer` string (the audience check across tenants). */
  async withIssuer(db: Executor, issuer: string): Promise<FederatedIssuer[]> {
    return (await db.selectFrom('federated_issuers').selectAll().where('issuer', '=', issuer).execute()).map(toIssuer);
  },
  async list(db: Executor, tenantId: string, page: PageRequest): Promise<Page<FederatedIssuer>> {
    let q = db
      .selectFrom('federated_issuers')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after) q = q.where('id', '>', page.after);
    return toPage(await q.execute(), page.limit, (r) => r.id, toIssuer);
  },
  async all(db: Executor, tenantId: string): Promise<FederatedIssuer[]> {
    return (await db.selectFrom('federated_issuers').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute()).map(toIssuer);
  },
  async insert(db: Executor, i: FederatedIssuer): Promise<void> {
    await db
      .insertInto('federated_issuers')
      .values({ tenant_id: i.tenantId, id: i.id, created_at: i.createdAt, ...columns(i) })
      .execute();
  },
  /** Inserts many issuers, many rows a statement; `managed`: a configuration document named them. */
  async insertMany(db: Executor, issuers: readonly FederatedIssuer[], managed: boolean): Promise<void> {
    for (const part of chunks(issuers, rowsPerInsert(17))) {
      await db
        .insertInto('federated_issuers')
        .values(part.map((i) => ({ tenant_id: i.tenantId, id: i.id, created_at: i.createdAt, ...columns(i), managed: bool(managed) })))
        .execute();
    }
  },
  async update(db: Executor, i: FederatedIssuer): Promise<void> {
    await db.updateTable('federated_issuers').set(columns(i)).where('tenant_id', '=', i.tenantId).where('id', '=', i.id).execute();
  },
  async delete(db: Executor, tenantId: string, id: string): Promise<boolean> {
    const r = await db.deleteFrom('federated_issuers').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  /**
   * Makes federation registrations (issuers and credentials, whose checks read other rows) take
   * turns until the transaction ends: a PostgreSQL advisory lock. SQLite runs one write
   * transaction at a time already.
   */
  async lockRegistrations(trx: Executor): Promise<void> {
    if (dialectOf(trx) === 'postgres') await sql`select pg_advisory_xact_lock(${FEDERATION_LOCK}::bigint)`.execute(trx);
  },
};
