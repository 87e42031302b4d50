import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * What goes into a token (docs/token-exchange.md, docs/claims.md, docs/quotas.md): claims on
 * APIs, service accounts and clients (JSON objects, null for none), federated clients' claim
 * mappings, an API's token exchange policy ('allow' or 'deny'), a client's token quota (JSON,
 * null for none), and the token counts each server shares with the others, per client, period
 * ('hour' or 'day') and window (its start, epoch seconds).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('apis').addColumn('claims', 'text').execute();
  await db.schema
    .alterTable('apis')
    .addColumn('token_exchange', 'varchar(8)', (c) => c.notNull().defaultTo('allow'))
    .execute();
  await db.schema.alterTable('service_accounts').addColumn('claims', 'text').execute();
  await db.schema.alterTable('clients').addColumn('claims', 'text').execute();
  await db.schema.alterTable('clients').addColumn('claim_mappings', 'text').execute();
  await db.schema.alterTable('clients').addColumn('token_quota', 'text').execute();
  await db.schema
    .createTable('token_quota_counts')
    .addColumn('tenant_id', 'varchar(63)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('period', 'varchar(4)', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('server_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('token_quota_counts_pk', ['tenant_id', 'client_id', 'period', 'window_start', 'server_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('token_quota_counts').execute();
  for (const column of ['token_quota', 'claim_mappings', 'claims']) await db.schema.alterTable('clients').dropColumn(column).execute();
  await db.schema.alterTable('service_accounts').dropColumn('claims').execute();
  await db.schema.alterTable('apis').dropColumn('token_exchange').execute();
  await db.schema.alterTable('apis').dropColumn('claims').execute();
}
