import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * Workload identity federation (docs/federation.md): the issuers a tenant trusts, the federated
 * credentials of clients that name them, and the single-use `jti`s of issuers that require them.
 * A credential is unique per tenant and issuer by the digest of its subject and claims (a unique
 * index on the values themselves could exceed PostgreSQL's index row size).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('federated_issuers')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('issuer', 'varchar(2000)', (c) => c.notNull())
    .addColumn('jwks', 'text')
    .addColumn('jwks_uri', 'text')
    .addColumn('discovery_url', 'text')
    .addColumn('audiences', 'text')
    .addColumn('max_token_age', 'integer', (c) => c.notNull())
    .addColumn('require_jti', 'integer', (c) => c.notNull())
    .addColumn('bearer_token_file', 'text')
    .addColumn('allow_longer_than_assertion', 'integer', (c) => c.notNull())
    .addColumn('algorithms', 'text')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('federated_issuers_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('federated_issuers_issuer_uq', ['tenant_id', 'issuer'])
    .execute();
  // The audience check across tenants looks an issuer up in every tenant.
  await db.schema.createIndex('federated_issuers_issuer_ix').on('federated_issuers').column('issuer').execute();

  await db.schema
    .createTable('federated_credentials')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull())
    .addColumn('id', 'varchar(64)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('issuer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('digest', 'varchar(64)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('federated_credentials_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('federated_credentials_match_uq', ['tenant_id', 'issuer_id', 'digest'])
    .addForeignKeyConstraint('federated_credentials_client_fk', ['tenant_id', 'client_id'], 'clients', ['tenant_id', 'client_id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('federated_credentials_issuer_fk', ['tenant_id', 'issuer_id'], 'federated_issuers', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('federated_credentials_client_ix').on('federated_credentials').columns(['tenant_id', 'client_id']).execute();

  await db.schema
    .createTable('federated_assertion_jtis')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('issuer_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('jti', 'varchar(255)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('federated_assertion_jtis_pk', ['tenant_id', 'issuer_id', 'jti'])
    .execute();
  // The purge deletes by expiry across every tenant.
  await db.schema.createIndex('federated_assertion_jtis_expires_ix').on('federated_assertion_jtis').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['federated_assertion_jtis', 'federated_credentials', 'federated_issuers']) {
    await db.schema.dropTable(table).execute();
  }
}
