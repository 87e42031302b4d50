import type { Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * Mutual TLS (RFC 8705): a `tls_client_auth` client's certificate field and value, the binding of a client's tokens to its
 * certificate, and a tenant's own trusted CAs (a JSON array of PEM strings).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('clients').addColumn('tls_client_auth_field', 'text').execute();
  await db.schema.alterTable('clients').addColumn('tls_client_auth_value', 'text').execute();
  await db.schema
    .alterTable('clients')
    .addColumn('tls_client_certificate_bound_access_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('tenants')
    .addColumn('tls_client_cas', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tenants').dropColumn('tls_client_cas').execute();
  for (const column of ['tls_client_certificate_bound_access_tokens', 'tls_client_auth_value', 'tls_client_auth_field']) {
    await db.schema.alterTable('clients').dropColumn(column).execute();
  }
}
