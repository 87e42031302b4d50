import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/** `dpop_bound_access_tokens` (RFC 9449 §5.2) on clients, and the same requirement on APIs. */
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['clients', 'apis']) {
    await db.schema
      .alterTable(table)
      .addColumn('dpop_bound_access_tokens', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['apis', 'clients']) {
    await db.schema.alterTable(table).dropColumn('dpop_bound_access_tokens').execute();
  }
}
