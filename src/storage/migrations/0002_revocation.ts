import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/** Revoked access tokens (RFC 7009) kept until they would have expired, and per-client cut-offs. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('revoked_tokens')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('jti', 'varchar(128)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revoked_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('revoked_tokens_pk', ['tenant_id', 'jti'])
    .execute();
  // The purge deletes by expiry across every tenant.
  await db.schema.createIndex('revoked_tokens_expires_ix').on('revoked_tokens').column('expires_at').execute();

  await db.schema
    .createTable('token_cutoffs')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('cutoff_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('token_cutoffs_pk', ['tenant_id', 'client_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('token_cutoffs').execute();
  await db.schema.dropTable('revoked_tokens').execute();
}
