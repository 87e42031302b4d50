import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/** The tables whose rows a configuration document can name, so that `prune` may delete them. */
const MANAGED_TABLES = ['apis', 'service_accounts', 'clients', 'grants', 'federated_issuers'] as const;

/** Every column that holds a client id. */
const CLIENT_ID_COLUMNS = [
  'clients',
  'client_secrets',
  'grants',
  'revoked_tokens',
  'token_cutoffs',
  'client_assertion_jtis',
  'token_activity',
  'federated_credentials',
] as const;

/**
 * Tessera as code (docs/gitops.md): each object a configuration document named is `managed`
 * (prune deletes only those), and client ids grow to 255 characters (any RFC 6749 VSCHAR
 * string, so that clients imported from other servers keep their ids).
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of MANAGED_TABLES) {
    await db.schema
      .alterTable(table)
      .addColumn('managed', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  }
  // SQLite does not enforce varchar lengths.
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const table of CLIENT_ID_COLUMNS) await sql`alter table ${sql.table(table)} alter column client_id type varchar(255)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of MANAGED_TABLES) await db.schema.alterTable(table).dropColumn('managed').execute();
}
