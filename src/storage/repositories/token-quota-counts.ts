import { sql } from 'kysely';
import type { QuotaCount, QuotaPeriod } from '../../domain/quotas/model.js';
import type { Executor } from './executor.js';

/** The server id of the rows that mark a window's quota excess as audited: count 0, so sums never change. */
const AUDITED = '*audited*';

/** Rows per INSERT: 7 parameters each. */
const CHUNK = 500;

export const tokenQuotaCountsRepo = {
  /** Sets this server's counts (its whole count of each window, so a write repeated is harmless). */
  async put(db: Executor, serverId: string, counts: readonly QuotaCount[], updatedAt: string): Promise<void> {
    for (let i = 0; i < counts.length; i += CHUNK) {
      await db
        .insertInto('token_quota_counts')
        .values(
          counts.slice(i, i + CHUNK).map((c) => ({
            tenant_id: c.tenantId,
            client_id: c.clientId,
            period: c.period,
            window_start: c.windowStart,
            server_id: serverId,
            count: c.count,
            updated_at: updatedAt,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'client_id', 'period', 'window_start', 'server_id'])
            .doUpdateSet({ count: sql`excluded.count`, updated_at: sql`excluded.updated_at` }),
        )
        .execute();
    }
  },

  /** The counts of every other server, summed per client, in the windows that hold `nowWindows`' starts. */
  async others(db: Executor, serverId: string, windows: Readonly<Record<QuotaPeriod, number>>): Promise<QuotaCount[]> {
    const rows = await db
      .selectFrom('token_quota_counts')
      .select(['tenant_id', 'client_id', 'period', 'window_start', sql<string | number>`sum(count)`.as('total')])
      .where('server_id', '<>', serverId)
      .where((eb) =>
        eb.or([
          eb.and([eb('period', '=', 'hour'), eb('window_start', '=', windows.hour)]),
          eb.and([eb('period', '=', 'day'), eb('window_start', '=', windows.day)]),
        ]),
      )
      .groupBy(['tenant_id', 'client_id', 'period', 'window_start'])
      .execute();
    // PostgreSQL answers bigint sums as strings.
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      clientId: r.client_id,
      period: r.period as QuotaPeriod,
      windowStart: Number(r.window_start),
      count: Number(r.total),
    }));
  },

  /** Marks the window's excess as audited; true when this call marked it (no server had). */
  async markAudited(db: Executor, c: Omit<QuotaCount, 'count'>, updatedAt: string): Promise<boolean> {
    const result = await db
      .insertInto('token_quota_counts')
      .values({
        tenant_id: c.tenantId,
        client_id: c.clientId,
        period: c.period,
        window_start: c.windowStart,
        server_id: AUDITED,
        count: 0,
        updated_at: updatedAt,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  },

  /** Deletes the rows of windows that started before `windowStart` (epoch seconds). */
  async deleteBefore(db: Executor, windowStart: number): Promise<void> {
    await db.deleteFrom('token_quota_counts').where('window_start', '<', windowStart).execute();
  },
};
