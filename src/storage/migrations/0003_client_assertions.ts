import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * Single-use `jti`s of private_key_jwt client assertions (RFC 7523 §3 item 7), shared by every
 * process through the database; a row lives until the assertion could no longer be accepted.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('client_assertion_jtis')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('jti', 'varchar(255)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('client_assertion_jtis_pk', ['tenant_id', 'client_id', 'jti'])
    .execute();
  await db.schema.createIndex('client_assertion_jtis_expires_ix').on('client_assertion_jtis').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('client_assertion_jtis').execute();
}
