import { isoTime } from '../../lib/clock.js';
import { translated } from '../../storage/errors.js';
import { tokenQuotaCountsRepo } from '../../storage/repositories/token-quota-counts.js';
import { transactAudited } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import { isConnectionFailure } from '../errors.js';
import type { QuotaCounts, QuotaExcess } from './counts.js';
import { PERIOD_SECONDS, windowStart } from './model.js';

/** How often the sync also deletes the rows of windows that ended before yesterday. */
const PURGE_EVERY_MS = 3600_000;

/**
 * Shares this server's quota counts with the other servers through the database (docs/quotas.md):
 * every TESSERA_QUOTA_SYNC_INTERVAL seconds, off the token path, the process that writes (a single
 * process, or a cluster's primary, which hears every worker's counts) sets its own count of each
 * current window (one row per server, so servers never add to each other's rows), reads the sum of
 * the others', and writes one audit event `client.quota_exceeded` per window crossed, whichever
 * server saw it first (a marker row decides).
 */
export class QuotaSync {
  #lastPurgeMs = -Infinity;

  constructor(
    private readonly ctx: Pick<DomainContext, 'db' | 'clock' | 'auditTrail'>,
    private readonly counts: QuotaCounts,
    /** This server's id in token_quota_counts: a cluster's processes share one. */
    private readonly serverId: string,
  ) {}

  /** Writes this server's counts, reads the others', audits the windows crossed. */
  async run(): Promise<void> {
    const nowMs = this.ctx.clock.now();
    const now = isoTime(nowMs);
    const unwritten = this.counts.unwritten(nowMs);
    if (unwritten.length > 0) {
      await translated(() => tokenQuotaCountsRepo.put(this.ctx.db, this.serverId, unwritten, now));
      this.counts.markWritten(unwritten);
    }
    const windows = { hour: windowStart(nowMs, 'hour'), day: windowStart(nowMs, 'day') };
    this.counts.setRemote(await translated(() => tokenQuotaCountsRepo.others(this.ctx.db, this.serverId, windows)), nowMs);
    await this.#audit(this.counts.takeExcess(), now);
    if (nowMs - this.#lastPurgeMs >= PURGE_EVERY_MS) {
      await translated(() => tokenQuotaCountsRepo.deleteBefore(this.ctx.db, windows.day - PERIOD_SECONDS.day));
      this.#lastPurgeMs = nowMs;
    }
  }

  /** One `client.quota_exceeded` per window crossed, in the transaction that marks it audited. */
  async #audit(excess: readonly QuotaExcess[], now: string): Promise<void> {
    for (const [i, e] of excess.entries()) {
      try {
        await transactAudited(this.ctx, async (trx, audit) => {
          if (!(await tokenQuotaCountsRepo.markAudited(trx, e, now))) return;
          await audit.record({
            tenantId: e.tenantId,
            actor: { id: 'system', reason: 'token quota' },
            action: 'client.quota_exceeded',
            targetType: 'client',
            targetId: e.clientId,
            details: {
              period: e.period,
              window_start: isoTime(e.windowStart * 1000),
              window_end: isoTime((e.windowStart + PERIOD_SECONDS[e.period]) * 1000),
              limit: e.limit,
              enforce: e.enforce,
            },
          });
        });
        this.counts.audited(e);
      } catch (err) {
        // Tried again at the next sync while the database is away; an event that cannot be written (its tenant was deleted) is dropped.
        this.counts.requeue(isConnectionFailure(err) ? excess.slice(i) : excess.slice(i + 1));
        throw err;
      }
    }
  }
}
