import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * Token endpoint activity per tenant, minute and client: counters each process keeps in memory
 * and adds here once a minute (the console's dashboard). `minute` counts minutes since the Unix
 * epoch; `client_id` is '' for requests that named no client of the tenant.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('token_activity')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('minute', 'integer', (c) => c.notNull())
    .addColumn('client_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('issued', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('auth_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('other_refusals', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('token_activity_pk', ['tenant_id', 'minute', 'client_id'])
    .execute();
  // The purge deletes by age across every tenant.
  await db.schema.createIndex('token_activity_minute_ix').on('token_activity').column('minute').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('token_activity').execute();
}
