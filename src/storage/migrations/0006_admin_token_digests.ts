import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/** The name the bootstrap gave the records of TESSERA_ADMIN_TOKEN before this migration. */
const ENVIRONMENT_TOKEN_NAME = 'bootstrap (TESSERA_ADMIN_TOKEN)';

/**
 * Admin tokens gain how their digest was made (`digest_kind`: existing rows are plain SHA-256), an
 * optional expiry, and `source`, which marks the record of TESSERA_ADMIN_TOKEN. Rows the bootstrap
 * registered for it until now (one per value it ever had; each creation audited by `system`) are
 * marked: the next start keeps one, gives it the current value's keyed digest and deletes the rest.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One column per statement: SQLite adds one at a time.
  await db.schema
    .alterTable('admin_tokens')
    .addColumn('digest_kind', 'varchar(16)', (c) => c.notNull().defaultTo('sha256'))
    .execute();
  await db.schema.alterTable('admin_tokens').addColumn('expires_at', 'varchar(32)').execute();
  await db.schema.alterTable('admin_tokens').addColumn('source', 'varchar(16)').execute();
  await db
    .updateTable('admin_tokens')
    .set({ source: 'environment' })
    .where('name', '=', ENVIRONMENT_TOKEN_NAME)
    .where(
      'id',
      'in',
      db
        .selectFrom('audit_events')
        .select('target_id')
        .where('action', '=', 'admin_token.create')
        .where('target_type', '=', 'admin_token')
        .where('actor', '=', 'system')
        .where('reason', '=', 'bootstrap'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['source', 'expires_at', 'digest_kind']) {
    await db.schema.alterTable('admin_tokens').dropColumn(column).execute();
  }
}
