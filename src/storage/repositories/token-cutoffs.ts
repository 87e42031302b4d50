import type { Selectable } from 'kysely';
import type { TokenCutoff } from '../../domain/revocations/model.js';
import type { TokenCutoffsTable } from '../schema.js';
import type { Executor } from './executor.js';

function toCutoff(row: Selectable<TokenCutoffsTable>): TokenCutoff {
  return { tenantId: row.tenant_id, clientId: row.client_id, cutoffAt: row.cutoff_at };
}

export const tokenCutoffsRepo = {
  async get(db: Executor, tenantId: string, clientId: string): Promise<TokenCutoff | undefined> {
    const row = await db.selectFrom('token_cutoffs').selectAll().where('tenant_id', '=', tenantId).where('client_id', '=', clientId).executeTakeFirst();
    return row && toCutoff(row);
  },
  /** Sets the client's cut-off, replacing any earlier one. */
  async upsert(db: Executor, c: TokenCutoff): Promise<void> {
    await db
      .insertInto('token_cutoffs')
      .values({ tenant_id: c.tenantId, client_id: c.clientId, cutoff_at: c.cutoffAt })
      .onConflict((oc) => oc.columns(['tenant_id', 'client_id']).doUpdateSet({ cutoff_at: c.cutoffAt }))
      .execute();
  },
  /** The tenant's cut-offs set at or after `from`, by client. */
  async setSince(db: Executor, tenantId: string, from: string): Promise<TokenCutoff[]> {
    const rows = await db
      .selectFrom('token_cutoffs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('cutoff_at', '>=', from)
      .orderBy('client_id')
      .execute();
    return rows.map(toCutoff);
  },
  /** Deletes, in every tenant, cut-offs set before `before`; returns the tenants touched. */
  async deleteBefore(db: Executor, before: string): Promise<string[]> {
    const tenants = await db.selectFrom('token_cutoffs').select('tenant_id').distinct().where('cutoff_at', '<', before).execute();
    if (tenants.length === 0) return [];
    await db.deleteFrom('token_cutoffs').where('cutoff_at', '<', before).execute();
    return tenants.map((r) => r.tenant_id);
  },
};
