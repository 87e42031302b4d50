import type { Clock } from '../../lib/clock.js';
import { translated } from '../../storage/errors.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { tokenActivityRepo } from '../../storage/repositories/token-activity.js';
import { AT_ONCE, type Pace } from '../../lib/pace.js';
import { ROWS_PER_STATEMENT, writeCounts } from '../count-writes.js';
import { InvalidError } from '../errors.js';
import { fitted } from '../../lib/typed-arrays.js';
import type { ClientSlots } from '../read-model/client-slots.js';
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

/** The rows of one tenant's minute in the table's key order within it: by client id. */
function rows([tenantId, minute, clientIds, counts]: ActivityTaken[number]): ActivityRow[] {
  // Sorted by the engine's own string order (a comparator called from the sort costs twice as much).
  const at = new Map(clientIds.map((clientId, i) => [clientId, 3 * i]));
  return [...clientIds].sort().map((clientId) => {
    const i = at.get(clientId)!;
    // Three counts per client id, in the ids' order (byTenant and take build them so).
    return { tenantId, minute, clientId, issued: counts[i]!, authFailures: counts[i + 1]!, otherRefusals: counts[i + 2]! };
  });
}

/**
 * The counts of one minute, of every tenant: three numbers per client slot (ClientSlots). Counting
 * is adding to a typed array at the slot, which reads one cache line however many clients there
 * are (a Map by client id walked a table of megabytes with a hundred thousand clients).
 */
class MinuteCounts {
  counts: Uint32Array;

  constructor(slots: number) {
    this.counts = new Uint32Array(3 * slots);
  }

  add(slot: number, issued: number, authFailures: number, otherRefusals: number): void {
    const at = 3 * slot;
    this.counts = fitted(this.counts, at + 2);
    // `fitted` above made the array reach at + 2.
    this.counts[at]! += issued;
    this.counts[at + 1]! += authFailures;
    this.counts[at + 2]! += otherRefusals;
  }

  addOne(slot: number, kind: 0 | 1 | 2): void {
    const at = 3 * slot + kind;
    if (at >= this.counts.length) this.counts = fitted(this.counts, 3 * slot + 2);
    // Grown above when `at` was past the end.
    this.counts[at]! += 1;
  }

  /** The clients that have counts, per tenant: their ids and three counts each, in slot order. */
  byTenant(slots: ClientSlots): Map<string, { clientIds: string[]; counts: number[] }> {
    const out = new Map<string, { clientIds: string[]; counts: number[] }>();
    const c = this.counts;
    // (The array may end with a partial triple of zeros: `fitted` grows it by a length of its own.)
    for (let slot = 0, at = 0; at + 2 < c.length; slot++, at += 3) {
      if (c[at] === 0 && c[at + 1] === 0 && c[at + 2] === 0) continue;
      const tenantId = slots.tenantOf(slot);
      let tenant = out.get(tenantId);
      if (tenant === undefined) out.set(tenantId, (tenant = { clientIds: [], counts: [] }));
      tenant.clientIds.push(slots.clientOf(slot));
      // The loop's bound keeps at + 2 inside the array.
      tenant.counts.push(c[at]!, c[at + 1]!, c[at + 2]!);
    }
    return out;
  }
}

/**
 * Counts what the token endpoint answers, per tenant, minute and client, in this process's
 * memory (a number added in an array on the token path, no I/O), and adds the counts to the
 * database once a minute (`flush`, run by the maintenance loop): issuing a token never writes.
 */
export class TokenActivity {
  /** Counts not yet flushed, by minute. */
  #pending = new Map<number, MinuteCounts>();
  #lastPurgeMs = -Infinity;

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
    /** The clients' slots (the read model's): what the counts are kept by. */
    private readonly slots: ClientSlots,
  ) {}

  /**
   * Counts one answer of the token endpoint for the client of `slot` (null: the request named no
   * client of the tenant). The composition root feeds it the endpoint's outcomes.
   */
  record(tenantId: string, slot: number | null, outcome: TokenOutcomeKind): void {
    this.#counts(Math.floor(this.clock.now() / MINUTE_MS)).addOne(slot ?? this.slots.slotOf(tenantId, UNKNOWN_CLIENT), KIND[outcome]);
  }

  #counts(minute: number): MinuteCounts {
    let counts = this.#pending.get(minute);
    if (counts === undefined) this.#pending.set(minute, (counts = new MinuteCounts(this.slots.size)));
    return counts;
  }

  /** Takes the pending counts, leaving nothing pending: to write them, here or in another process. */
  take(): ActivityTaken {
    const taken: ActivityTaken = [];
    for (const [minute, counts] of this.#pending) {
      for (const [tenantId, { clientIds, counts: numbers }] of counts.byTenant(this.slots)) taken.push([tenantId, minute, clientIds, numbers]);
    }
    this.#pending = new Map();
    return taken;
  }

  /** Adds counts taken elsewhere (by another process). */
  merge(taken: ActivityTaken): void {
    for (const [tenantId, minute, clientIds, counts] of taken) {
      const into = this.#counts(minute);
      // Three counts per client id, in the ids' order (take builds them so, in whichever process).
      for (let i = 0; i < clientIds.length; i++) into.add(this.slots.slotOf(tenantId, clientIds[i]!), counts[3 * i]!, counts[3 * i + 1]!, counts[3 * i + 2]!);
    }
  }

  /**
   * Adds what was counted since the last flush to the stored counts and,
   * once an hour, purges counts older than the retention. Returns how many rows it added to. A
   * large write may be spread over time (`pace`: the minute's write, so that it never takes a
   * burst of the machine from the requests); a write of one transaction goes at once.
   */
  async flush(pace: Pace = AT_ONCE): Promise<number> {
    const taken = this.take();
    let existing: Set<string>;
    try {
      // Counts of a tenant deleted meanwhile are dropped. (Deleted after this check, its rows fail
      // their transaction, and are dropped by the next flush's check.)
      existing = await translated(() => tokenActivityRepo.existingTenants(this.db, [...new Set(taken.map(([tenantId]) => tenantId))]));
    } catch (err) {
      this.merge(taken);
      throw err;
    }
    // In key order (tenant, minute, client): each INSERT then adds to a few neighbouring pages of
    // the index, not to a hundred scattered ones (about three times cheaper for a busy minute).
    const batch: ActivityRow[] = [];
    taken.sort(([tenantA, minuteA], [tenantB, minuteB]) => (tenantA < tenantB ? -1 : tenantA > tenantB ? 1 : minuteA - minuteB));
    for (const entry of taken) if (existing.has(entry[0])) for (const row of rows(entry)) batch.push(row);
    const statements: ActivityRow[][] = [];
    for (let i = 0; i < batch.length; i += ROWS_PER_STATEMENT) statements.push(batch.slice(i, i + ROWS_PER_STATEMENT));
    // What was not added is kept for the next flush (the database may be down), added to what was counted meanwhile.
    await writeCounts(
      this.db,
      statements,
      pace,
      (trx, rows) => tokenActivityRepo.add(trx, rows),
      (unwritten) => {
        for (const r of unwritten.flat()) this.#counts(r.minute).add(this.slots.slotOf(r.tenantId, r.clientId), r.issued, r.authFailures, r.otherRefusals);
      },
    );
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
