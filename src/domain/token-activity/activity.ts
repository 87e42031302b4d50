import type { Clock } from '../../lib/clock.js';
import { translated } from '../../storage/errors.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { tokenActivityRepo } from '../../storage/repositories/token-activity.js';
import { AT_ONCE, type Pace } from '../../lib/pace.js';
import { ROWS_PER_STATEMENT, writeCounts } from '../count-writes.js';
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
/**
 * Counts taken from memory, compactly: per tenant and minute, its clients and their counts, three
 * numbers per client (issued, auth failures, other refusals) in `counts`. A busy minute of a hundred
 * thousand clients crosses from a worker to its primary this way (a fifth of the bytes of a row
 * object per client, and no object per client to make or collect on either side).
 */
export type ActivityTaken = [tenantId: string, minute: number, clientIds: string[], counts: number[]][];

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

/** Where each outcome's count sits among a client's three. */
const KIND: Record<TokenOutcomeKind, 0 | 1 | 2> = { issued: 0, auth_failure: 1, other_refusal: 2 };

/**
 * The counts of one tenant in one minute, laid out as they are handed over (ActivityTaken): the
 * clients in the order first counted, and three counts each. Counting allocates nothing once a
 * client has been seen, and taking them is handing the two lists over.
 */
class MinuteCounts {
  readonly clientIds: string[] = [];
  readonly counts: number[] = [];
  /** Where each client's three counts start in `counts`. */
  readonly #at = new Map<string, number>();

  add(clientId: string, issued: number, authFailures: number, otherRefusals: number): void {
    const at = this.#slot(clientId);
    this.counts[at] += issued;
    this.counts[at + 1] += authFailures;
    this.counts[at + 2] += otherRefusals;
  }

  addOne(clientId: string, kind: 0 | 1 | 2): void {
    this.counts[this.#slot(clientId) + kind] += 1;
  }

  /** The rows of these counts in the table's key order within a tenant and minute: by client id. */
  rows(tenantId: string, minute: number): ActivityRow[] {
    // Sorted by the engine's own string order (a comparator called from the sort costs twice as much).
    return [...this.clientIds].sort().map((clientId) => {
      const at = this.#at.get(clientId)!;
      return { tenantId, minute, clientId, issued: this.counts[at]!, authFailures: this.counts[at + 1]!, otherRefusals: this.counts[at + 2]! };
    });
  }

  #slot(clientId: string): number {
    let at = this.#at.get(clientId);
    if (at === undefined) {
      at = this.counts.length;
      this.#at.set(clientId, at);
      this.clientIds.push(clientId);
      this.counts.push(0, 0, 0);
    }
    return at;
  }
}

/** Minutes of counts as they are handed over: the two lists of each. */
function handedOver(taken: readonly [tenantId: string, minute: number, counts: MinuteCounts][]): ActivityTaken {
  return taken.map(([tenantId, minute, { clientIds, counts }]) => [tenantId, minute, clientIds, counts]);
}

/**
 * Counts what the token endpoint answers, per tenant, minute and client, in this process's
 * memory (a Map lookup and a number added on the token path, no I/O), and adds the counts to the
 * database once a minute (`flush`, run by the maintenance loop): issuing a token never writes.
 */
export class TokenActivity {
  /** Counts not yet flushed, by minute and tenant. */
  #pending = new Map<number, Map<string, MinuteCounts>>();
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
    this.#counts(Math.floor(this.clock.now() / MINUTE_MS), tenantId).addOne(clientId ?? UNKNOWN_CLIENT, KIND[outcome]);
  }

  #counts(minute: number, tenantId: string): MinuteCounts {
    let byTenant = this.#pending.get(minute);
    if (byTenant === undefined) this.#pending.set(minute, (byTenant = new Map()));
    let counts = byTenant.get(tenantId);
    if (counts === undefined) byTenant.set(tenantId, (counts = new MinuteCounts()));
    return counts;
  }

  /** The pending counts as [tenant, minute, counts], leaving nothing pending. */
  #take(): [tenantId: string, minute: number, counts: MinuteCounts][] {
    const taken: [string, number, MinuteCounts][] = [];
    for (const [minute, byTenant] of this.#pending) for (const [tenantId, counts] of byTenant) taken.push([tenantId, minute, counts]);
    this.#pending = new Map();
    return taken;
  }

  /** Takes the pending counts, leaving nothing pending: to write them, here or in another process. */
  take(): ActivityTaken {
    return handedOver(this.#take());
  }

  /** Adds counts taken elsewhere (by another process). */
  merge(taken: ActivityTaken): void {
    for (const [tenantId, minute, clientIds, counts] of taken) {
      const into = this.#counts(minute, tenantId);
      for (let i = 0; i < clientIds.length; i++) into.add(clientIds[i]!, counts[3 * i]!, counts[3 * i + 1]!, counts[3 * i + 2]!);
    }
  }

  /**
   * Adds what was counted since the last flush to the stored counts and,
   * once an hour, purges counts older than the retention. Returns how many rows it added to. A
   * large write may be spread over time (`pace`: the minute's write, so that it never takes a
   * burst of the machine from the requests); a write of one transaction goes at once.
   */
  async flush(pace: Pace = AT_ONCE): Promise<number> {
    const taken = this.#take();
    let existing: Set<string>;
    try {
      // Counts of a tenant deleted meanwhile are dropped. (Deleted after this check, its rows fail
      // their transaction, and are dropped by the next flush's check.)
      existing = await translated(() => tokenActivityRepo.existingTenants(this.db, [...new Set(taken.map(([tenantId]) => tenantId))]));
    } catch (err) {
      this.merge(handedOver(taken));
      throw err;
    }
    // In key order (tenant, minute, client): each INSERT then adds to a few neighbouring pages of
    // the index, not to a hundred scattered ones (about three times cheaper for a busy minute).
    const batch: ActivityRow[] = [];
    taken.sort(([tenantA, minuteA], [tenantB, minuteB]) => (tenantA < tenantB ? -1 : tenantA > tenantB ? 1 : minuteA - minuteB));
    for (const [tenantId, minute, counts] of taken) {
      if (existing.has(tenantId)) for (const row of counts.rows(tenantId, minute)) batch.push(row);
    }
    const statements: ActivityRow[][] = [];
    for (let i = 0; i < batch.length; i += ROWS_PER_STATEMENT) statements.push(batch.slice(i, i + ROWS_PER_STATEMENT));
    // What was not added is kept for the next flush (the database may be down), added to what was counted meanwhile.
    await writeCounts(this.db, statements, pace, (trx, rows) => tokenActivityRepo.add(trx, rows), (unwritten) => {
      for (const r of unwritten.flat()) this.#counts(r.minute, r.tenantId).add(r.clientId, r.issued, r.authFailures, r.otherRefusals);
    });
    const nowMs = this.clock.now();
    if (nowMs - this.#lastPurgeMs >= PURGE_EVERY_MS) {
      const oldest = Math.floor(nowMs / MINUTE_MS) - ACTIVITY_RETENTION_DAYS * 24 * 60;
      await translated(() => tokenActivityRepo.deleteBefore(this.db, oldest));
      this.#lastPurgeMs = nowMs;
    }
    return batch.length;
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
