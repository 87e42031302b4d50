import { sql } from 'kysely';
import type { ActivityRow } from '../../domain/token-activity/model.js';
import type { Executor } from './executor.js';

/** Rows per INSERT: 6 parameters each, far below every dialect's limit. */
const CHUNK = 500;

export const tokenActivityRepo = {
  /**
   * Adds each row's counts to the stored ones, so that every process's counts add up
   * (`ON CONFLICT … DO UPDATE SET issued = issued + excluded.issued`). Rows of tenants deleted
   * meanwhile are dropped. Returns how many rows were written.
   */
  async add(db: Executor, rows: readonly ActivityRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const tenants = [...new Set(rows.map((r) => r.tenantId))];
    const existing = new Set((await db.selectFrom('tenants').select('id').where('id', 'in', tenants).execute()).map((r) => r.id));
    const kept = rows.filter((r) => existing.has(r.tenantId));
    for (let i = 0; i < kept.length; i += CHUNK) {
      await db
        .insertInto('token_activity')
        .values(
          kept.slice(i, i + CHUNK).map((r) => ({
            tenant_id: r.tenantId,
            minute: r.minute,
            client_id: r.clientId,
            issued: r.issued,
            auth_failures: r.authFailures,
            other_refusals: r.otherRefusals,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'minute', 'client_id']).doUpdateSet((eb) => ({
            issued: eb('token_activity.issued', '+', eb.ref('excluded.issued')),
            auth_failures: eb('token_activity.auth_failures', '+', eb.ref('excluded.auth_failures')),
            other_refusals: eb('token_activity.other_refusals', '+', eb.ref('excluded.other_refusals')),
          })),
        )
        .execute();
    }
    return kept.length;
  },

  /**
   * The tenant's counts in `[fromMinute, toMinute)`, summed per client and per bucket of
   * `bucketMinutes` (aligned on the epoch); `minute` of each row is its bucket's first minute.
   */
  async buckets(
    db: Executor,
    tenantId: string,
    range: { fromMinute: number; toMinute: number; bucketMinutes: number; clientId?: string | undefined },
  ): Promise<ActivityRow[]> {
    // A literal, not a parameter: PostgreSQL must see the same expression in SELECT and GROUP BY.
    const bucket = sql<number>`(minute / ${sql.lit(Math.trunc(range.bucketMinutes))}) * ${sql.lit(Math.trunc(range.bucketMinutes))}`;
    let query = db
      .selectFrom('token_activity')
      .select((eb) => [
        'client_id',
        bucket.as('bucket'),
        eb.fn.sum<number | string>('issued').as('issued'),
        eb.fn.sum<number | string>('auth_failures').as('auth_failures'),
        eb.fn.sum<number | string>('other_refusals').as('other_refusals'),
      ])
      .where('tenant_id', '=', tenantId)
      .where('minute', '>=', range.fromMinute)
      .where('minute', '<', range.toMinute);
    if (range.clientId !== undefined) query = query.where('client_id', '=', range.clientId);
    const rows = await query.groupBy(['client_id', bucket]).orderBy('client_id').orderBy(bucket).execute();
    // PostgreSQL sums integers into a bigint, which the driver hands over as a string.
    return rows.map((r) => ({
      tenantId,
      clientId: r.client_id,
      minute: Number(r.bucket),
      issued: Number(r.issued),
      authFailures: Number(r.auth_failures),
      otherRefusals: Number(r.other_refusals),
    }));
  },

  /** Deletes, in every tenant, the counts of minutes before `minute`; returns how many rows. */
  async deleteBefore(db: Executor, minute: number): Promise<number> {
    const r = await db.deleteFrom('token_activity').where('minute', '<', minute).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};
