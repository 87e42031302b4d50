import { sql } from 'kysely';
import { executeBulk, rowsOf, valuesList, type Executor } from './executor.js';

/** A used `jti` of an assertion from one owner (a client, a federated issuer), kept until `expiresAt`. */
export interface JtiRow {
  readonly tenantId: string;
  readonly ownerId: string;
  readonly jti: string;
  readonly expiresAt: string;
}

/** The key of a recorded jti. */
export type JtiKey = Omit<JtiRow, 'expiresAt'>;

/** Rows per INSERT: 4 parameters each, far below every dialect's limit. */
const CHUNK = 250;

/**
 * Inserts into `table` (keyed by tenant, `owner` and jti) the rows whose jti is not recorded yet
 * and leaves the others as they are (replays): answers the keys of the rows it inserted. Plain SQL
 * compiled once per number of rows (executeBulk).
 */
export async function insertNewJtis(
  db: Executor,
  table: 'client_assertion_jtis' | 'federated_assertion_jtis',
  owner: 'client_id' | 'issuer_id',
  rows: readonly JtiRow[],
): Promise<JtiKey[]> {
  const inserted: JtiKey[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const parameters: unknown[] = [];
    for (const r of rows.slice(i, i + CHUNK)) parameters.push(r.tenantId, r.ownerId, r.jti, r.expiresAt);
    const returned = await executeBulk<{ tenant_id: string; owner_id: string; jti: string }>(
      db,
      `insert new ${table}`,
      parameters,
      () => sql`insert into ${sql.table(table)} (tenant_id, ${sql.ref(owner)}, jti, expires_at) values ${valuesList(rowsOf(parameters, 4))}
        on conflict (tenant_id, ${sql.ref(owner)}, jti) do nothing returning tenant_id, ${sql.ref(owner)} as owner_id, jti`,
    );
    for (const r of returned) inserted.push({ tenantId: r.tenant_id, ownerId: r.owner_id, jti: r.jti });
  }
  return inserted;
}
