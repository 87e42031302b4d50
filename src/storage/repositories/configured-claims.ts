import type { Executor } from './executor.js';

/**
 * Whether any API or service account of the tenant configures claims, in one query that reads at
 * most one row of each: most tenants configure none, and then a new client's tokens cannot grow.
 */
export async function anyConfiguredClaims(db: Executor, tenantId: string): Promise<boolean> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('apis').select('id').where('tenant_id', '=', tenantId).where('claims', 'is not', null)).as('apis'),
      eb.exists(eb.selectFrom('service_accounts').select('id').where('tenant_id', '=', tenantId).where('claims', 'is not', null)).as('accounts'),
    ])
    .executeTakeFirstOrThrow();
  // SQLite answers 0 or 1, PostgreSQL a boolean.
  return Boolean(row.apis) || Boolean(row.accounts);
}
