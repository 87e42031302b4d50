import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/** The fixed scopes of `urn:tessera:admin` as this migration stores them (docs/security.md#admin-scopes). */
const ADMIN_API_SCOPES = JSON.stringify([
  { value: 'admin', description: 'everything the admin API does' },
  { value: 'tenants:read', description: 'read tenants and their settings' },
  { value: 'tenants:write', description: 'create, change and delete tenants and their settings (and read them)' },
  { value: 'clients:read', description: 'read clients, their secrets and certificates' },
  { value: 'clients:write', description: 'create, change and delete clients, their secrets and certificates (and read them)' },
  { value: 'service-accounts:read', description: 'read service accounts' },
  { value: 'service-accounts:write', description: 'create, change and delete service accounts (and read them)' },
  { value: 'apis:read', description: 'read APIs and their scopes' },
  { value: 'apis:write', description: 'create, change and delete APIs and their scopes (and read them)' },
  { value: 'grants:read', description: 'read grants' },
  { value: 'grants:write', description: 'create, change and delete grants (and read them)' },
  { value: 'keys:read', description: 'read signing keys' },
  { value: 'keys:write', description: 'create, change and delete signing keys (and read them)' },
  { value: 'federation:read', description: 'read federated issuers' },
  { value: 'federation:write', description: 'create, change and delete federated issuers (and read them)' },
  { value: 'admin-tokens:read', description: 'read admin tokens' },
  { value: 'admin-tokens:write', description: 'create, change and delete admin tokens (and read them)' },
  { value: 'config:read', description: 'export the configuration document' },
  { value: 'config:write', description: 'apply a configuration document (and export it)' },
  { value: 'audit:read', description: 'read the audit log and token activity' },
]);

/**
 * The admin API as an OAuth resource: the built-in API `urn:tessera:admin` in every tenant
 * (an API of that identifier made by hand becomes it), scopes on admin tokens (every existing
 * token keeps full rights: `["admin"]`), and who stood behind an access token that acted, with
 * each audit event. Actor ids grow to hold `client:{client_id}`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('apis')
    .addColumn('built_in', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('admin_tokens')
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('["admin"]'))
    .execute();
  await db.schema.alterTable('audit_events').addColumn('actor_detail', 'text').execute();
  // SQLite does not enforce varchar lengths.
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table audit_events alter column actor type varchar(300)`.execute(db);
  }
  const now = new Date().toISOString();
  await sql`update apis set built_in = 1, name = 'Tessera admin API', scopes = ${ADMIN_API_SCOPES}, updated_at = ${now}
    where identifier = 'urn:tessera:admin'`.execute(db);
  await sql`insert into apis (tenant_id, id, name, identifier, scopes, access_token_ttl, dpop_bound_access_tokens, built_in, created_at, updated_at)
    select t.id, 'api_tessera_admin', 'Tessera admin API', 'urn:tessera:admin', ${ADMIN_API_SCOPES}, null, 0, 1, ${now}, ${now}
    from tenants t where not exists (select 1 from apis a where a.tenant_id = t.id and a.identifier = 'urn:tessera:admin')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from apis where built_in = 1 and id = 'api_tessera_admin'`.execute(db);
  await db.schema.alterTable('audit_events').dropColumn('actor_detail').execute();
  await db.schema.alterTable('admin_tokens').dropColumn('scopes').execute();
  await db.schema.alterTable('apis').dropColumn('built_in').execute();
}
