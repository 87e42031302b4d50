import { sql } from 'kysely';
import { dialectOf } from '../dialects.js';
import type { Database } from '../schema.js';
import type { Executor } from './executor.js';

/** PostgreSQL advisory lock key of configuration applies: "tessera" in ASCII, then 4. */
const CONFIGURATION_LOCK = '8386093285548597508';

/** The tables whose rows a configuration document manages, and the column that keys a row within its tenant. */
export const MANAGED_KEYS = {
  apis: 'id',
  service_accounts: 'id',
  clients: 'client_id',
  grants: 'id',
  federated_issuers: 'id',
} as const satisfies Partial<Record<keyof Database, string>>;

export type ManagedTable = keyof typeof MANAGED_KEYS;

/** Keys per statement of the chunked statements below (well under both stores' parameter limits). */
const KEYS_PER_STATEMENT = 5000;

/** Cuts `items` into runs of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Rows per multi-row INSERT for a table of `width` columns: about 16,000 parameters a statement. */
export function rowsPerInsert(width: number): number {
  return Math.max(1, Math.floor(16_000 / width));
}

/** What configuration applies read and write in bulk: ownership (`managed`), deletes by key, and the applies' lock. */
export const configurationRepo = {
  /**
   * Makes configuration applies take turns until the transaction ends: a PostgreSQL advisory
   * lock, taken first in the apply's transaction. SQLite runs one write transaction at a time already.
   */
  async lock(trx: Executor): Promise<void> {
    if (dialectOf(trx) === 'postgres') await sql`select pg_advisory_xact_lock(${CONFIGURATION_LOCK}::bigint)`.execute(trx);
  },
  /** The keys of the tenant's rows of `table` that a configuration document manages. */
  async managed(db: Executor, table: ManagedTable, tenantId: string): Promise<Set<string>> {
    const key = MANAGED_KEYS[table];
    const rows = await db
      .selectFrom(table)
      .select(sql<string>`${sql.ref(key)}`.as('key'))
      .where('tenant_id', '=', tenantId)
      .where('managed', '=', 1)
      .execute();
    return new Set(rows.map((r) => r.key));
  },
  /** Marks these rows of the tenant managed (named by a configuration document), many keys a statement. */
  async markManaged(db: Executor, table: ManagedTable, tenantId: string, keys: readonly string[]): Promise<void> {
    for (const part of chunks(keys, KEYS_PER_STATEMENT)) {
      await db.updateTable(table).set({ managed: 1 }).where('tenant_id', '=', tenantId).where(sql.ref(MANAGED_KEYS[table]), 'in', part).execute();
    }
  },
  /** Deletes these rows of the tenant, many keys a statement (what the foreign keys cascade goes with them). */
  async deleteRows(db: Executor, table: ManagedTable, tenantId: string, keys: readonly string[]): Promise<void> {
    for (const part of chunks(keys, KEYS_PER_STATEMENT)) {
      await db.deleteFrom(table).where('tenant_id', '=', tenantId).where(sql.ref(MANAGED_KEYS[table]), 'in', part).execute();
    }
  },
};
