import { isoTime, type Clock } from '../../lib/clock.js';
import { AT_ONCE, type Pace } from '../../lib/pace.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { ROWS_PER_STATEMENT, writeCounts } from '../count-writes.js';

/** 2025-01-01T00:00:00Z: uses are kept in seconds since then (the time of last use is told to the second). */
const USE_EPOCH_S = 1_735_689_600;

/**
 * Uses of secrets by tenant (what `take` hands over): the secrets' ids, and when each was last
 * used in seconds since 2025-01-01, in two lists (no pair per secret to make, send and collect).
 */
export type SecretUses = [tenantId: string, secretIds: string[], atSeconds: number[]][];

/**
 * When each client secret was last used. Recorded in memory on the token path (a Map write, no
 * I/O) and flushed to the database in batches, so that issuing a token never writes.
 */
export class SecretUsage {
  /**
   * When each secret was last used, by tenant and secret id, in seconds since USE_EPOCH_S: a small
   * integer, which a Map holds without allocating (milliseconds since 1970 would be a heap number
   * made on every token).
   */
  #pending = new Map<string, Map<string, number>>();

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
  ) {}

  record(tenantId: string, secretId: string): void {
    let uses = this.#pending.get(tenantId);
    if (uses === undefined) this.#pending.set(tenantId, (uses = new Map()));
    uses.set(secretId, Math.floor(this.clock.now() / 1000) - USE_EPOCH_S);
  }

  /** What was recorded since the last flush or take, leaving nothing pending. */
  #take(): Map<string, Map<string, number>> {
    const taken = this.#pending;
    this.#pending = new Map();
    return taken;
  }

  /** Takes what was recorded since the last flush or take, leaving nothing pending (for a process that writes it). */
  take(): SecretUses {
    return [...this.#take()].map(([tenantId, uses]) => [tenantId, [...uses.keys()], [...uses.values()]]);
  }

  /** Adds uses recorded elsewhere (taken by another process); the later use of a secret wins. */
  merge(uses: SecretUses): void {
    for (const [tenantId, ids, times] of uses) {
      let now = this.#pending.get(tenantId);
      if (now === undefined) this.#pending.set(tenantId, (now = new Map()));
      for (let i = 0; i < ids.length; i++) {
        const known = now.get(ids[i]!);
        if (known === undefined || times[i]! > known) now.set(ids[i]!, times[i]!);
      }
    }
  }

  /**
   * Writes what was recorded since the last flush; returns how many secrets it updated. A large
   * write may be spread over time (`pace`: the minute's write, so that it never takes a burst of
   * the machine from the requests); a write of one transaction goes at once.
   */
  async flush(pace: Pace = AT_ONCE): Promise<number> {
    // In key order, a slice of neighbouring secrets per statement, each with its own time: a
    // statement then touches a few neighbouring pages of the table (secret ids are time-ordered,
    // so the rows lie in id order too), and a hundred thousand secrets rewrite each page about
    // once rather than once per statement (measured: five times cheaper than grouping by second).
    const slices: SecretUses = [];
    for (const [tenantId, uses] of this.#take()) {
      // Sorted by the engine's own string order (a comparator called from the sort costs twice as much).
      const ids = [...uses.keys()].sort();
      for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT) {
        const slice = ids.slice(i, i + ROWS_PER_STATEMENT);
        slices.push([tenantId, slice, slice.map((id) => uses.get(id)!)]);
      }
    }
    // The uses of a minute fall in a few dozen distinct seconds: each second's time is written out once.
    const times = new Map<number, string>();
    const timeOf = (at: number): string => {
      let text = times.get(at);
      if (text === undefined) times.set(at, (text = isoTime((at + USE_EPOCH_S) * 1000)));
      return text;
    };
    // What was not written is kept for the next flush (the database may be down), unless a newer use replaced it meanwhile.
    await writeCounts(this.db, slices, pace, (trx, [tenantId, ids, at]) => clientsRepo.touchSecrets(trx, tenantId, ids, at.map(timeOf)), (unwritten) => this.merge(unwritten));
    return slices.reduce((count, [, ids]) => count + ids.length, 0);
  }
}
