import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { isoTime, type Clock } from '../../lib/clock.js';
import { translated } from '../../storage/errors.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import type { Executor } from '../../storage/repositories/executor.js';

/** 2025-01-01T00:00:00Z: uses are kept in seconds since then (the time of last use is told to the second). */
const USE_EPOCH_S = 1_735_689_600;

/**
 * Secrets updated per statement. The embedded store writes synchronously, and the processes of one
 * `tessera serve` share its write lock: a large flush goes in short statements, between requests.
 */
const FLUSH_SLICE = 100;

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
    if (this.#pending.size === 0) return 0;
    const batch = this.#pending;
    this.#pending = new Map();
    let count = 0;
    try {
      for (const [tenantId, uses] of batch) {
        // Secrets last used in the same second are written by one statement, a slice at a time.
        const bySecond = new Map<number, string[]>();
        for (const [id, at] of uses) {
          const ids = bySecond.get(at);
          if (ids === undefined) bySecond.set(at, [id]);
          else ids.push(id);
        }
        for (const [at, ids] of bySecond) {
          // In key order: each statement then touches a few neighbouring pages of the table, not a
          // hundred scattered ones (about six times cheaper for a hundred thousand secrets).
          ids.sort();
          for (let i = 0; i < ids.length; i += FLUSH_SLICE) {
            if (count > 0) await yieldToRequests();
            await translated(() => clientsRepo.touchSecrets(this.db, tenantId, ids.slice(i, i + FLUSH_SLICE), isoTime((at + USE_EPOCH_S) * 1000)));
            count += Math.min(FLUSH_SLICE, ids.length - i);
          }
        }
        batch.delete(tenantId);
      }
    } catch (err) {
      // Kept for the next flush (the database may be down), unless a newer use replaced it meanwhile.
      this.merge([...batch].map(([tenantId, uses]) => [tenantId, [...uses]]));
      throw err;
    }
    return count;
  }
}
