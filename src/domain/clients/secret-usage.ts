import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { isoTime, type Clock } from '../../lib/clock.js';
import { transactCounts } from '../../storage/transaction.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import type { Executor } from '../../storage/repositories/executor.js';

/** 2025-01-01T00:00:00Z: uses are kept in seconds since then (the time of last use is told to the second). */
const USE_EPOCH_S = 1_735_689_600;

/**
 * Secrets updated per statement. The embedded store writes synchronously, and the processes of one
 * `tessera serve` share its write lock: a large flush goes in short statements, between requests.
 */
const FLUSH_SLICE = 100;
/**
 * Statements per transaction: a commit per thousand secrets rather than per hundred (the commits
 * of counts do not wait for the disk, transactCounts), while the write lock is held a few
 * milliseconds only (a worker recording a client assertion's jti waits for it).
 */
const SLICES_PER_TRANSACTION = 10;

/** Uses of secrets by tenant: [secret id, seconds since 2025-01-01] pairs (what `take` hands over). */
export type SecretUses = [tenantId: string, uses: [secretId: string, atSeconds: number][]][];

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

  /** Takes what was recorded since the last flush or take, leaving nothing pending (for a process that writes it). */
  take(): SecretUses {
    const taken: SecretUses = [...this.#pending].map(([tenantId, uses]) => [tenantId, [...uses]]);
    this.#pending = new Map();
    return taken;
  }

  /** Adds uses recorded elsewhere (taken by another process); the later use of a secret wins. */
  merge(uses: SecretUses): void {
    for (const [tenantId, list] of uses) {
      let now = this.#pending.get(tenantId);
      if (now === undefined) this.#pending.set(tenantId, (now = new Map()));
      for (const [id, at] of list) {
        const known = now.get(id);
        if (known === undefined || at > known) now.set(id, at);
      }
    }
  }

  /** Writes what was recorded since the last flush; returns how many secrets it updated. */
  async flush(): Promise<number> {
    // In key order, a slice of neighbouring secrets per statement, each with its own time: a
    // statement then touches a few neighbouring pages of the table (secret ids are time-ordered,
    // so the rows lie in id order too), and a hundred thousand secrets rewrite each page about
    // once rather than once per statement (measured: five times cheaper than grouping by second).
    const slices: SecretUses = [];
    for (const [tenantId, uses] of this.take()) {
      uses.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (let i = 0; i < uses.length; i += FLUSH_SLICE) slices.push([tenantId, uses.slice(i, i + FLUSH_SLICE)]);
    }
    let count = 0;
    for (let i = 0; i < slices.length; i += SLICES_PER_TRANSACTION) {
      if (i > 0) await yieldToRequests();
      const group = slices.slice(i, i + SLICES_PER_TRANSACTION);
      try {
        await transactCounts(this.db, async (trx) => {
          for (const [tenantId, uses] of group) {
            await clientsRepo.touchSecrets(trx, tenantId, uses.map(([id, at]): [string, string] => [id, isoTime((at + USE_EPOCH_S) * 1000)]));
          }
        });
      } catch (err) {
        // Kept for the next flush (the database may be down), unless a newer use replaced it meanwhile.
        this.merge(slices.slice(i));
        throw err;
      }
      for (const [, uses] of group) count += uses.length;
    }
    return count;
  }
}
