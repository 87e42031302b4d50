import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { Clock } from '../../lib/clock.js';
import { translated } from '../../storage/errors.js';
import { transactCounts } from '../../storage/transaction.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { tokenActivityRepo } from '../../storage/repositories/token-activity.js';
import { CountTree } from '../../lib/count-tree.js';
import { InvalidError } from '../errors.js';
import { addCounts, MINUTE_MS, UNKNOWN_CLIENT, zeroCounts, type ActivityCounts, type ActivityRow, type ClientActivity } from './model.js';

/** What the token endpoint answered: a token, a failed client authentication, or another refusal. */
export type TokenOutcomeKind = 'issued' | 'auth_failure' | 'other_refusal';

/** How long the counts are kept: rows older than this are purged. */
export const ACTIVITY_RETENTION_DAYS = 30;
/** The longest range one query may cover. */
export const MAX_ACTIVITY_RANGE_MS = 31 * 24 * 3600_000;
/** The most buckets one query may answer per client. */
export const MAX_ACTIVITY_BUCKETS = 1440;
/** Bucket sizes chosen when the caller names none: the smallest that keeps within MAX_ACTIVITY_BUCKETS. */
const BUCKET_CHOICES_S = [60, 300, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400];
/** Rows added per INSERT. */
const FLUSH_SLICE = 100;
/** INSERTs per transaction: a commit per thousand rows (not waiting for the disk, transactCounts), the write lock held a few milliseconds. */
const SLICES_PER_TRANSACTION = 10;
/** The table's key order: tenant, minute, client. */
const byKey = (a: ActivityRow, b: ActivityRow): number =>
  a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : a.minute - b.minute || (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0);

/** How often the flush also purges old rows. */
const PURGE_EVERY_MS = 3600_000;

export interface ActivityQuery {
  fromMs: number;
  toMs: number;
  /** A multiple of 60 seconds; chosen from the range when absent. */
  bucketSeconds?: number | undefined;
  clientId?: string | undefined;
}

export interface ActivityReport {
  /** The range answered, widened to whole buckets. */
  fromMs: number;
  toMs: number;
  bucketSeconds: number;
  totals: ActivityCounts;
  /** Busiest first. */
  clients: ClientActivity[];
}

/**
 * Counts what the token endpoint answers, per tenant, minute and client, in this process's
 * memory (a Map update on the token path, no I/O), and adds the counts to the database once a
 * minute (`flush`, run by the maintenance loop): issuing a token never writes.
 */
export class TokenActivity {
  /** Counts not yet flushed, by minute, tenant and client: numbers in maps, nothing allocated per token. */
  #issued = new CountTree<number, string, string>();
  #authFailures = new CountTree<number, string, string>();
  #otherRefusals = new CountTree<number, string, string>();
  #lastPurgeMs = -Infinity;

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
  ) {}

  /**
   * Counts one answer of the token endpoint for `clientId` (null: the request named no client of
   * the tenant). The composition root feeds it the endpoint's outcomes.
   */
  record(tenantId: string, clientId: string | null, outcome: TokenOutcomeKind): void {
    const counts = outcome === 'issued' ? this.#issued : outcome === 'auth_failure' ? this.#authFailures : this.#otherRefusals;
    counts.add(Math.floor(this.clock.now() / MINUTE_MS), tenantId, clientId ?? UNKNOWN_CLIENT);
  }

  /** Takes the pending counts as rows (one per minute, tenant and client), leaving nothing pending: to write them, here or in another process. */
  take(): ActivityRow[] {
    const issued = this.#issued.take();
    const authFailures = this.#authFailures.take();
    const otherRefusals = this.#otherRefusals.take();
    // Each combination once, looked up in the other trees (no key strings: a busy minute has a
    // hundred thousand combinations, and this runs between requests).
    const rows: ActivityRow[] = [];
    for (const [minute, tenantId, clientId, n] of issued.entries()) {
      rows.push({ tenantId, minute, clientId, issued: n, authFailures: authFailures.get(minute, tenantId, clientId), otherRefusals: otherRefusals.get(minute, tenantId, clientId) });
    }
    for (const [minute, tenantId, clientId, n] of authFailures.entries()) {
      if (issued.get(minute, tenantId, clientId) > 0) continue;
      rows.push({ tenantId, minute, clientId, issued: 0, authFailures: n, otherRefusals: otherRefusals.get(minute, tenantId, clientId) });
    }
    for (const [minute, tenantId, clientId, n] of otherRefusals.entries()) {
      if (issued.get(minute, tenantId, clientId) > 0 || authFailures.get(minute, tenantId, clientId) > 0) continue;
      rows.push({ tenantId, minute, clientId, issued: 0, authFailures: 0, otherRefusals: n });
    }
    return rows;
  }

  /** Adds counts taken elsewhere (by another process, or by a flush that could not write them). */
  merge(rows: readonly ActivityRow[]): void {
    for (const r of rows) {
      if (r.issued > 0) this.#issued.add(r.minute, r.tenantId, r.clientId, r.issued);
      if (r.authFailures > 0) this.#authFailures.add(r.minute, r.tenantId, r.clientId, r.authFailures);
      if (r.otherRefusals > 0) this.#otherRefusals.add(r.minute, r.tenantId, r.clientId, r.otherRefusals);
    }
  }

  /**
   * Adds what was counted since the last flush to the stored counts and,
   * once an hour, purges counts older than the retention. Returns how many rows it added to.
   */
  async flush(): Promise<number> {
    const taken = this.take();
    let batch: ActivityRow[];
    try {
      // Counts of a tenant deleted meanwhile are dropped. (Deleted after this check, its rows fail
      // their transaction, and are dropped by the next flush's check.)
      const existing = await translated(() => tokenActivityRepo.existingTenants(this.db, [...new Set(taken.map((r) => r.tenantId))]));
      batch = taken.filter((r) => existing.has(r.tenantId));
    } catch (err) {
      this.merge(taken);
      throw err;
    }
    // In key order (tenant, minute, client): each INSERT then adds to a few neighbouring pages of
    // the index, not to a hundred scattered ones (about three times cheaper for a busy minute).
    batch.sort(byKey);
    let written = 0;
    // A slice per INSERT and a few slices per transaction: the embedded store writes synchronously,
    // so a busy minute (a hundred thousand clients) is added between requests rather than in one
    // long stall. The transaction only writes: its first statement takes the write lock (a
    // transaction that read first could not take it in SQLite once another process wrote meanwhile).
    for (let i = 0; i < batch.length; i += FLUSH_SLICE * SLICES_PER_TRANSACTION) {
      if (i > 0) await yieldToRequests();
      const group = batch.slice(i, i + FLUSH_SLICE * SLICES_PER_TRANSACTION);
      try {
        await transactCounts(this.db, async (trx) => {
          for (let j = 0; j < group.length; j += FLUSH_SLICE) await tokenActivityRepo.add(trx, group.slice(j, j + FLUSH_SLICE));
        });
      } catch (err) {
        // What was not added is kept for the next flush (the database may be down), added to what was counted meanwhile.
        this.merge(batch.slice(i));
        throw err;
      }
      written += group.length;
    }
    const nowMs = this.clock.now();
    if (nowMs - this.#lastPurgeMs >= PURGE_EVERY_MS) {
      const oldest = Math.floor(nowMs / MINUTE_MS) - ACTIVITY_RETENTION_DAYS * 24 * 60;
      await translated(() => tokenActivityRepo.deleteBefore(this.db, oldest));
      this.#lastPurgeMs = nowMs;
    }
    return written;
  }

  /** The tenant's stored counts over a range, per client and bucket. */
  async report(tenantId: string, query: ActivityQuery): Promise<ActivityReport> {
    const { fromMs, toMs } = query;
    if (!(toMs > fromMs)) throw new InvalidError('the range is empty', [{ pointer: '/to', detail: 'must be after from' }]);
    if (toMs - fromMs > MAX_ACTIVITY_RANGE_MS) {
      throw new InvalidError('the range is too long', [{ pointer: '/from', detail: `the range may cover ${MAX_ACTIVITY_RANGE_MS / 86_400_000} days at most` }]);
    }
    const bucketSeconds = query.bucketSeconds ?? BUCKET_CHOICES_S.find((s) => (toMs - fromMs) / (s * 1000) <= MAX_ACTIVITY_BUCKETS)!;
    if (bucketSeconds % 60 !== 0 || bucketSeconds <= 0) {
      throw new InvalidError('the bucket is not valid', [{ pointer: '/bucket', detail: 'must be a whole number of minutes, in seconds' }]);
    }
    const bucketMinutes = bucketSeconds / 60;
    const fromMinute = Math.floor(fromMs / MINUTE_MS / bucketMinutes) * bucketMinutes;
    const toMinute = Math.ceil(toMs / MINUTE_MS / bucketMinutes) * bucketMinutes;
    if ((toMinute - fromMinute) / bucketMinutes > MAX_ACTIVITY_BUCKETS) {
      throw new InvalidError('too many buckets', [{ pointer: '/bucket', detail: `the range holds more than ${MAX_ACTIVITY_BUCKETS} buckets of this size` }]);
    }
    const rows = await translated(() => tokenActivityRepo.buckets(this.db, tenantId, { fromMinute, toMinute, bucketMinutes, clientId: query.clientId }));
    const totals = zeroCounts();
    const byClient = new Map<string, ClientActivity>();
    for (const row of rows) {
      let client = byClient.get(row.clientId);
      if (!client) {
        client = { clientId: row.clientId, totals: zeroCounts(), points: [] };
        byClient.set(row.clientId, client);
      }
      const point = { minute: row.minute, issued: row.issued, authFailures: row.authFailures, otherRefusals: row.otherRefusals };
      client.points.push(point);
      addCounts(client.totals, point);
      addCounts(totals, point);
    }
    const clients = [...byClient.values()].sort(
      (a, b) => b.totals.issued - a.totals.issued || b.totals.authFailures - a.totals.authFailures || a.clientId.localeCompare(b.clientId),
    );
    return { fromMs: fromMinute * MINUTE_MS, toMs: toMinute * MINUTE_MS, bucketSeconds, totals, clients };
  }
}
