import { sql } from 'kysely';
import type { ActivityRow } from '../../domain/token-activity/model.js';
import { executeBulk, rowsOf, valuesList, type Executor } from './executor.js';

/** Rows per INSERT: 6 parameters each, far below every dialect's limit. */
const CHUNK = 500;

export const tokenActivityRepo = {
  /** Which of these tenants exist (counts of a tenant deleted meanwhile are dropped, not added). */
  async existingTenants(db: Executor, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    return new Set((await db.selectFrom('tenants').select('id').where('id', 'in', ids).execute()).map((r) => r.id));
  },

  /**
   * Adds each row's counts to the stored ones, so that every process's counts add up
   * (`ON CONFLICT … DO UPDATE SET issued = issued + excluded.issued`). Only writes: in a
   * transaction, its first statement takes the write lock.
   */
  async add(db: Executor, rows: readonly ActivityRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      // Plain SQL, compiled once per number of rows (executeBulk): building a VALUES list of a
      // hundred rows with the query builder cost more than SQLite's work to add them.
      const parameters: unknown[] = [];
      for (const r of rows.slice(i, i + CHUNK)) parameters.push(r.tenantId, r.minute, r.clientId, r.issued, r.authFailures, r.otherRefusals);
      await executeBulk(
        db,
        'add token activity',
        parameters,
        () => sql`insert into token_activity (tenant_id, minute, client_id, issued, auth_failures, other_refusals) values ${valuesList(rowsOf(parameters, 6))}
          on conflict (tenant_id, minute, client_id) do update set issued = token_activity.issued + excluded.issued,
            auth_failures = token_activity.auth_failures + excluded.auth_failures, other_refusals = token_activity.other_refusals + excluded.other_refusals`,
      );
    }
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
