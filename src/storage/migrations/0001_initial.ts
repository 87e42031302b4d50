import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'varchar(63)', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('signing_alg', 'varchar(16)', (c) => c.notNull())
    .addColumn('access_token_ttl', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('service_accounts')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('service_accounts_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('service_accounts_user_name_uq', ['tenant_id', 'user_name'])
    .execute();

  await db.schema
    .createTable('clients')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('client_name', 'text', (c) => c.notNull())
    .addColumn('client_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('grant_types', 'text', (c) => c.notNull())
    .addColumn('response_types', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('token_endpoint_auth_method', 'varchar(32)')
    .addColumn('jwks', 'text')
    .addColumn('jwks_uri', 'text')
    .addColumn('service_account_id', 'varchar(64)')
    .addColumn('access_token_ttl', 'integer')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('clients_pk', ['tenant_id', 'client_id'])
    .addForeignKeyConstraint('clients_service_account_fk', ['tenant_id', 'service_account_id'], 'service_accounts', ['tenant_id', 'id'])
    .execute();

  await db.schema
    .createTable('client_secrets')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull())
    .addColumn('id', 'varchar(64)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('digest', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('last_used_at', 'varchar(32)')
    .addPrimaryKeyConstraint('client_secrets_pk', ['tenant_id', 'id'])
    .addForeignKeyConstraint('client_secrets_client_fk', ['tenant_id', 'client_id'], 'clients', ['tenant_id', 'client_id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('client_secrets_client_ix').on('client_secrets').columns(['tenant_id', 'client_id']).execute();

  await db.schema
    .createTable('apis')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('identifier', 'varchar(512)', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('access_token_ttl', 'integer')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('apis_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('apis_identifier_uq', ['tenant_id', 'identifier'])
    .execute();

  await db.schema
    .createTable('grants')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull())
    .addColumn('id', 'varchar(64)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(128)')
    .addColumn('service_account_id', 'varchar(64)')
    .addColumn('api_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('grants_pk', ['tenant_id', 'id'])
    .addUniqueConstraint('grants_client_api_uq', ['tenant_id', 'client_id', 'api_id'])
    .addUniqueConstraint('grants_service_account_api_uq', ['tenant_id', 'service_account_id', 'api_id'])
    .addForeignKeyConstraint('grants_api_fk', ['tenant_id', 'api_id'], 'apis', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
    .addForeignKeyConstraint('grants_client_fk', ['tenant_id', 'client_id'], 'clients', ['tenant_id', 'client_id'], (fk) => fk.onDelete('cascade'))
    .addForeignKeyConstraint('grants_service_account_fk', ['tenant_id', 'service_account_id'], 'service_accounts', ['tenant_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('kid', 'varchar(64)', (c) => c.notNull())
    .addColumn('alg', 'varchar(16)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('activated_at', 'varchar(32)')
    .addColumn('retired_at', 'varchar(32)')
    .addColumn('publish_until', 'varchar(32)')
    .addPrimaryKeyConstraint('signing_keys_pk', ['tenant_id', 'kid'])
    .execute();

  await db.schema
    .createTable('admin_tokens')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(63)', (c) => c.references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('digest', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(63)')
    .addColumn('occurred_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('actor', 'varchar(128)', (c) => c.notNull())
    .addColumn('action', 'varchar(64)', (c) => c.notNull())
    .addColumn('target_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(512)', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_tenant_ix').on('audit_events').columns(['tenant_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['audit_events', 'admin_tokens', 'signing_keys', 'grants', 'apis', 'client_secrets', 'clients', 'service_accounts', 'tenants']) {
    await db.schema.dropTable(table).execute();
  }
}
