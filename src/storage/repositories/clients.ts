import { CompiledQuery, sql, type Selectable } from 'kysely';
import type { JSONWebKeySet } from 'jose';
import type { AuditEvent } from '../../domain/audit/model.js';
import type { ClaimMappings, Claims } from '../../domain/claims/model.js';
import type { Client, ClientSecret, ClientType, TlsClientAuthField, TokenEndpointAuthMethod } from '../../domain/clients/model.js';
import type { FederatedCredential } from '../../domain/federation/model.js';
import type { TokenQuota } from '../../domain/quotas/model.js';
import { dialectOf } from '../dialects.js';
import type { ClientSecretsTable, ClientsTable } from '../schema.js';
import { chunks, rowsPerInsert } from './configuration.js';
import { bool, executeBulk, jsonColumn, parseJsonColumn, rowsOf, valuesList, type Executor } from './executor.js';
import { auditEventRow } from './audit-events.js';
import { federatedCredentialsRepo, toCredential } from './federated-credentials.js';
import { toPage, type Page, type PageRequest } from './paging.js';

function toSecret(row: Selectable<ClientSecretsTable>): ClientSecret {
  return {
    id: row.id,
    clientId: row.client_id,
    digest: row.digest,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

/** clients.token_quota, stored as {per_hour?, per_day?, enforce} (migration 0011). */
function storedQuota(text: string): TokenQuota {
  const q = JSON.parse(text) as { per_hour?: number; per_day?: number; enforce: boolean };
  return { ...(q.per_hour === undefined ? {} : { perHour: q.per_hour }), ...(q.per_day === undefined ? {} : { perDay: q.per_day }), enforce: q.enforce };
}

/**
 * What the read model keeps of a client (read-model/tenant-state.ts): no name, response types nor
 * timestamps, and of its secrets only what authenticates. A full Client is one too.
 */
export type TokenClient = Omit<Client, 'clientName' | 'responseTypes' | 'createdAt' | 'updatedAt' | 'secrets'> & {
  secrets: Pick<ClientSecret, 'id' | 'digest' | 'expiresAt'>[];
};

/** The columns of clients a TokenClient is read from. */
const TOKEN_COLUMNS = [
  'tenant_id',
  'client_id',
  'client_type',
  'grant_types',
  'audience',
  'scope',
  'token_endpoint_auth_method',
  'jwks',
  'jwks_uri',
  'service_account_id',
  'access_token_ttl',
  'active',
  'dpop_bound_access_tokens',
  'tls_client_auth_field',
  'tls_client_auth_value',
  'tls_client_certificate_bound_access_tokens',
  'claims',
  'claim_mappings',
  'token_quota',
] as const;

type TokenRow = Pick<Selectable<ClientsTable>, (typeof TOKEN_COLUMNS)[number]>;

/** A client from its row, its secrets and credentials; `list` parses a JSON list column (a page's equal lists may be parsed once). */
function toTokenClient<S extends TokenClient['secrets'][number]>(
  row: TokenRow,
  list: (text: string) => string[],
  secrets: S[],
  federatedCredentials: FederatedCredential[],
): Omit<TokenClient, 'secrets'> & { secrets: S[] } {
  return {
    tenantId: row.tenant_id,
    clientId: row.client_id,
    clientType: row.client_type as ClientType,
    grantTypes: list(row.grant_types),
    audience: list(row.audience),
    scope: row.scope,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method as TokenEndpointAuthMethod | null,
    jwks: row.jwks === null ? null : (JSON.parse(row.jwks) as JSONWebKeySet),
    jwksUri: row.jwks_uri,
    serviceAccountId: row.service_account_id,
    accessTokenTtl: row.access_token_ttl === null ? null : Number(row.access_token_ttl),
    active: Number(row.active) === 1,
    dpopBoundAccessTokens: Number(row.dpop_bound_access_tokens) === 1,
    tlsClientAuth:
      row.tls_client_auth_field === null || row.tls_client_auth_value === null
        ? null
        : { field: row.tls_client_auth_field as TlsClientAuthField, value: row.tls_client_auth_value },
    tlsClientCertificateBoundAccessTokens: Number(row.tls_client_certificate_bound_access_tokens) === 1,
    claims: parseJsonColumn<Claims>(row.claims),
    claimMappings: parseJsonColumn<ClaimMappings>(row.claim_mappings),
    tokenQuota: row.token_quota === null ? null : storedQuota(row.token_quota),
    secrets,
    federatedCredentials,
  };
}

const parseList = (text: string): string[] => JSON.parse(text) as string[];

function toClient(row: Selectable<ClientsTable>, secrets: ClientSecret[], federatedCredentials: FederatedCredential[]): Client {
  return {
    ...toTokenClient(row, parseList, secrets, federatedCredentials),
    clientName: row.client_name,
    responseTypes: parseList(row.response_types),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function columns(c: Client) {
  return {
    client_name: c.clientName,
    client_type: c.clientType,
    grant_types: JSON.stringify(c.grantTypes),
    response_types: JSON.stringify(c.responseTypes),
    audience: JSON.stringify(c.audience),
    scope: c.scope,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    jwks: c.jwks === null ? null : JSON.stringify(c.jwks),
    jwks_uri: c.jwksUri,
    service_account_id: c.serviceAccountId,
    access_token_ttl: c.accessTokenTtl,
    active: bool(c.active),
    dpop_bound_access_tokens: bool(c.dpopBoundAccessTokens),
    tls_client_auth_field: c.tlsClientAuth?.field ?? null,
    tls_client_auth_value: c.tlsClientAuth?.value ?? null,
    tls_client_certificate_bound_access_tokens: bool(c.tlsClientCertificateBoundAccessTokens),
    claims: jsonColumn(c.claims),
    claim_mappings: jsonColumn(c.claimMappings),
    token_quota: c.tokenQuota === null ? null : JSON.stringify({ per_hour: c.tokenQuota.perHour, per_day: c.tokenQuota.perDay, enforce: c.tokenQuota.enforce }),
    updated_at: c.updatedAt,
  };
}

function secretRow(tenantId: string, s: ClientSecret) {
  return {
    tenant_id: tenantId,
    id: s.id,
    client_id: s.clientId,
    digest: s.digest,
    created_at: s.createdAt,
    expires_at: s.expiresAt,
    last_used_at: s.lastUsedAt,
  };
}

/** Secrets in id order, compared as JS strings whatever the store's collation. */
const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function secretsOf(db: Executor, tenantId: string, clientIds: string[]): Promise<Map<string, ClientSecret[]>> {
  const out = new Map<string, ClientSecret[]>();
  if (clientIds.length === 0) return out;
  // Sorted here, not by the query: with ORDER BY id, SQLite's planner prefers the primary key
  // (tenant_id, id) and reads every secret of the tenant to avoid a sort, instead of the client index.
  const rows = await db.selectFrom('client_secrets').selectAll().where('tenant_id', '=', tenantId).where('client_id', 'in', clientIds).execute();
  rows.sort(byId);
  for (const row of rows) {
    const list = out.get(row.client_id) ?? [];
    list.push(toSecret(row));
    out.set(row.client_id, list);
  }
  return out;
}

/**
 * The clients named, each with its secrets and federated credentials as JSON lists, in one
 * statement of constant text (the ids as one array parameter): a cluster's every process reloads
 * the clients of each change, so three statements there were three round trips per process.
 */
const TOKEN_CLIENTS_POSTGRES = `select ${TOKEN_COLUMNS.map((c) => `c.${c}`).join(', ')},
  (select json_agg(json_build_object('id', s.id, 'digest', s.digest, 'expiresAt', s.expires_at))
     from client_secrets s where s.tenant_id = c.tenant_id and s.client_id = c.client_id) as secrets,
  (select json_agg(json_build_object('id', f.id, 'issuer_id', f.issuer_id, 'subject', f.subject, 'claims', f.claims) order by f.position)
     from federated_credentials f where f.tenant_id = c.tenant_id and f.client_id = c.client_id) as credentials
  from clients c where c.tenant_id = $1 and c.client_id = any($2::text[])`;

type TokenClientRow = TokenRow & {
  secrets: TokenClient['secrets'] | null;
  credentials: Parameters<typeof toCredential>[0][] | null;
};

/** `tokenClients` on PostgreSQL: one round trip instead of three. */
async function tokenClientsInOneStatement(db: Executor, tenantId: string, clientIds: readonly string[]): Promise<TokenClient[]> {
  const { rows } = await db.executeQuery<TokenClientRow>(CompiledQuery.raw(TOKEN_CLIENTS_POSTGRES, [tenantId, [...clientIds]]));
  return rows.map((r) => toTokenClient(r, parseList, (r.secrets ?? []).sort(byId), (r.credentials ?? []).map(toCredential)));
}

export const clientsRepo = {
  async get(db: Executor, tenantId: string, clientId: string): Promise<Client | undefined> {
    const row = await db.selectFrom('clients').selectAll().where('tenant_id', '=', tenantId).where('client_id', '=', clientId).executeTakeFirst();
    if (!row) return undefined;
    const [secrets, credentials] = await Promise.all([secretsOf(db, tenantId, [clientId]), federatedCredentialsRepo.ofClients(db, tenantId, [clientId])]);
    return toClient(row, secrets.get(clientId) ?? [], credentials.get(clientId) ?? []);
  },
  async list(db: Executor, tenantId: string, page: PageRequest, filter: { serviceAccountId?: string | undefined } = {}): Promise<Page<Client>> {
    let q = db
      .selectFrom('clients')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('client_id')
      .limit(page.limit + 1);
    if (page.after) q = q.where('client_id', '>', page.after);
    if (filter.serviceAccountId) q = q.where('service_account_id', '=', filter.serviceAccountId);
    const rows = await q.execute();
    const ids = rows.slice(0, page.limit).map((r) => r.client_id);
    const [secrets, credentials] = await Promise.all([secretsOf(db, tenantId, ids), federatedCredentialsRepo.ofClients(db, tenantId, ids)]);
    return toPage(
      rows,
      page.limit,
      (r) => r.client_id,
      (r) => toClient(r, secrets.get(r.client_id) ?? [], credentials.get(r.client_id) ?? []),
    );
  },
  /**
   * The tenant's clients in client id order, `limit` at a time after `after` (null: from the
   * start), with their secrets and federated credentials, in three queries: the read model loads
   * a large tenant page by page, so that it never holds every row at once.
   */
  async page(db: Executor, tenantId: string, after: string | null, limit: number): Promise<Client[]> {
    let query = db.selectFrom('clients').selectAll().where('tenant_id', '=', tenantId);
    if (after !== null) query = query.where('client_id', '>', after);
    const rows = await query.orderBy('client_id').limit(limit).execute();
    const last = rows.at(-1);
    if (last === undefined) return [];
    let secretsQuery = db.selectFrom('client_secrets').selectAll().where('tenant_id', '=', tenantId).where('client_id', '<=', last.client_id);
    if (after !== null) secretsQuery = secretsQuery.where('client_id', '>', after);
    const secrets = new Map<string, ClientSecret[]>();
    for (const s of await secretsQuery.orderBy('id').execute()) {
      const list = secrets.get(s.client_id) ?? [];
      list.push(toSecret(s));
      secrets.set(s.client_id, list);
    }
    const credentials = await federatedCredentialsRepo.ofClientRange(db, tenantId, after, last.client_id);
    return rows.map((r) => toClient(r, secrets.get(r.client_id) ?? [], credentials.get(r.client_id) ?? []));
  },
  /**
   * Like `page`, for the read model: only the columns a TokenClient holds (a tenant of a million
   * clients is read at every start), each distinct list column of the page parsed once.
   */
  async tokenPage(db: Executor, tenantId: string, after: string | null, limit: number): Promise<TokenClient[]> {
    let query = db.selectFrom('clients').select(TOKEN_COLUMNS).where('tenant_id', '=', tenantId);
    if (after !== null) query = query.where('client_id', '>', after);
    const rows = await query.orderBy('client_id').limit(limit).execute();
    const last = rows.at(-1);
    if (last === undefined) return [];
    let secretsQuery = db
      .selectFrom('client_secrets')
      .select(['id', 'client_id', 'digest', 'expires_at'])
      .where('tenant_id', '=', tenantId)
      .where('client_id', '<=', last.client_id);
    if (after !== null) secretsQuery = secretsQuery.where('client_id', '>', after);
    const secrets = new Map<string, TokenClient['secrets']>();
    for (const s of await secretsQuery.orderBy('id').execute()) {
      const list = secrets.get(s.client_id) ?? [];
      list.push({ id: s.id, digest: s.digest, expiresAt: s.expires_at });
      secrets.set(s.client_id, list);
    }
    const credentials = await federatedCredentialsRepo.ofClientRange(db, tenantId, after, last.client_id);
    const lists = new Map<string, string[]>();
    const list = (text: string): string[] => {
      let parsed = lists.get(text);
      if (parsed === undefined) lists.set(text, (parsed = parseList(text)));
      return parsed;
    };
    return rows.map((r) => toTokenClient(r, list, secrets.get(r.client_id) ?? [], credentials.get(r.client_id) ?? []));
  },
  /**
   * The clients named (those that exist) as `tokenPage` reads them, in three queries sent at once:
   * the read model reloads the clients of many changes with one read.
   */
  async tokenClients(db: Executor, tenantId: string, clientIds: readonly string[]): Promise<TokenClient[]> {
    if (clientIds.length === 0) return [];
    if (dialectOf(db) === 'postgres') return tokenClientsInOneStatement(db, tenantId, clientIds);
    const [rows, secretRows, credentials] = await Promise.all([
      db.selectFrom('clients').select(TOKEN_COLUMNS).where('tenant_id', '=', tenantId).where('client_id', 'in', clientIds).execute(),
      db
        .selectFrom('client_secrets')
        .select(['id', 'client_id', 'digest', 'expires_at'])
        .where('tenant_id', '=', tenantId)
        .where('client_id', 'in', clientIds)
        .execute(),
      federatedCredentialsRepo.ofClients(db, tenantId, clientIds),
    ]);
    // Sorted here, not by the query (as in secretsOf: SQLite's planner would read the tenant's every secret).
    secretRows.sort(byId);
    const secrets = new Map<string, TokenClient['secrets']>();
    for (const s of secretRows) {
      const list = secrets.get(s.client_id) ?? [];
      list.push({ id: s.id, digest: s.digest, expiresAt: s.expires_at });
      secrets.set(s.client_id, list);
    }
    return rows.map((r) => toTokenClient(r, parseList, secrets.get(r.client_id) ?? [], credentials.get(r.client_id) ?? []));
  },
  async countForServiceAccount(db: Executor, tenantId: string, serviceAccountId: string): Promise<number> {
    const r = await db
      .selectFrom('clients')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('service_account_id', '=', serviceAccountId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  },
  async insert(db: Executor, c: Client): Promise<void> {
    await db
      .insertInto('clients')
      .values({ tenant_id: c.tenantId, client_id: c.clientId, created_at: c.createdAt, ...columns(c) })
      .execute();
  },
  async update(db: Executor, c: Client): Promise<void> {
    await db.updateTable('clients').set(columns(c)).where('tenant_id', '=', c.tenantId).where('client_id', '=', c.clientId).execute();
  },
  async delete(db: Executor, tenantId: string, clientId: string): Promise<boolean> {
    const r = await db.deleteFrom('clients').where('tenant_id', '=', tenantId).where('client_id', '=', clientId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  /** Whether `insertNew` is one statement on this store (PostgreSQL), atomic without a transaction of its own. */
  insertsNewInOneStatement(db: Executor): boolean {
    return dialectOf(db) === 'postgres';
  },
  /**
   * Inserts a new client, its first secret (if any) and the audit event of its creation: on
   * PostgreSQL in one statement (data-modifying CTEs; foreign keys are checked at its end), one
   * round trip instead of three; on SQLite, where the statements cost no round trip, one by one.
   */
  async insertNew(db: Executor, c: Client, secret: ClientSecret | null, event: AuditEvent): Promise<void> {
    const clientRow = { tenant_id: c.tenantId, client_id: c.clientId, created_at: c.createdAt, ...columns(c) };
    if (dialectOf(db) !== 'postgres') {
      await db.insertInto('clients').values(clientRow).execute();
      if (secret) await db.insertInto('client_secrets').values(secretRow(c.tenantId, secret)).execute();
      await db.insertInto('audit_events').values(auditEventRow(event)).execute();
      return;
    }
    const withClient = db.with('new_client', (q) => q.insertInto('clients').values(clientRow));
    const audited = auditEventRow(event);
    if (secret === null) await withClient.insertInto('audit_events').values(audited).execute();
    else
      await withClient
        .with('new_secret', (q) => q.insertInto('client_secrets').values(secretRow(c.tenantId, secret)))
        .insertInto('audit_events')
        .values(audited)
        .execute();
  },
  async insertSecret(db: Executor, tenantId: string, s: ClientSecret): Promise<void> {
    await db.insertInto('client_secrets').values(secretRow(tenantId, s)).execute();
  },
  /** Inserts many clients (without their secrets or federated credentials), many rows a statement; `managed`: a configuration document named them. */
  async insertMany(db: Executor, clients: readonly Client[], managed: boolean): Promise<void> {
    for (const part of chunks(clients, rowsPerInsert(25))) {
      await db
        .insertInto('clients')
        .values(part.map((c) => ({ tenant_id: c.tenantId, client_id: c.clientId, created_at: c.createdAt, ...columns(c), managed: bool(managed) })))
        .execute();
    }
  },
  /** Inserts many secrets of the tenant's clients, many rows a statement. */
  async insertSecrets(db: Executor, tenantId: string, secrets: readonly ClientSecret[]): Promise<void> {
    for (const part of chunks(secrets, rowsPerInsert(7))) {
      await db
        .insertInto('client_secrets')
        .values(part.map((s) => secretRow(tenantId, s)))
        .execute();
    }
  },
  /** Gives every secret of the client that has no earlier expiry the expiry `expiresAt`. */
  async expireSecrets(db: Executor, tenantId: string, clientId: string, expiresAt: string): Promise<void> {
    await db
      .updateTable('client_secrets')
      .set({ expires_at: expiresAt })
      .where('tenant_id', '=', tenantId)
      .where('client_id', '=', clientId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', expiresAt)]))
      .execute();
  },
  async deleteSecret(db: Executor, tenantId: string, clientId: string, secretId: string): Promise<boolean> {
    const r = await db
      .deleteFrom('client_secrets')
      .where('tenant_id', '=', tenantId)
      .where('client_id', '=', clientId)
      .where('id', '=', secretId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  /** Records when secrets were last used, `times[i]` for `ids[i]` (batched flush, never per token request). */
  async touchSecrets(db: Executor, tenantId: string, ids: readonly string[], times: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const parameters: string[] = [];
    // `times` has one entry per id (the caller's parallel arrays, SecretUsage's).
    for (let i = 0; i < ids.length; i++) parameters.push(ids[i]!, times[i]!);
    // One statement for many secrets, each with its own time (a VALUES list joined on the key:
    // both dialects name its columns column1, column2); a time never replaces a later one.
    await executeBulk(
      db,
      'touch secrets',
      [...parameters, tenantId],
      () =>
        sql`update client_secrets set last_used_at = u.column2 from (values ${valuesList(rowsOf(parameters, 2))}) as u
        where client_secrets.tenant_id = ${tenantId} and client_secrets.id = u.column1
          and (client_secrets.last_used_at is null or client_secrets.last_used_at < u.column2)`,
    );
  },
};
