import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { isoTime, type Clock } from '../../lib/clock.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import type { Executor } from '../../storage/repositories/executor.js';

/** 2025-01-01T00:00:00Z: uses are kept in seconds since then (the time of last use is told to the second). */
const USE_EPOCH_S = 1_735_689_600;

/** Secrets updated per transaction: the embedded store writes synchronously, so a large flush goes in slices between requests. */
const FLUSH_SLICE = 500;

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

  /** Writes what was recorded since the last flush; returns how many secrets it updated. */
  async flush(): Promise<number> {
    if (this.#pending.size === 0) return 0;
    const batch = this.#pending;
    this.#pending = new Map();
    let count = 0;
    try {
      for (const [tenantId, uses] of batch) {
        const list = [...uses].map(([id, at]) => ({ id, at: isoTime((at + USE_EPOCH_S) * 1000) }));
        for (let i = 0; i < list.length; i += FLUSH_SLICE) {
          if (i > 0) await yieldToRequests();
          await this.db.transaction().execute((trx) => clientsRepo.touchSecrets(trx, tenantId, list.slice(i, i + FLUSH_SLICE)));
        }
        batch.delete(tenantId);
        count += list.length;
      }
    } catch (err) {
      // Kept for the next flush (the database may be down), unless a newer use replaced it meanwhile.
      for (const [tenantId, uses] of batch) {
        let now = this.#pending.get(tenantId);
        if (now === undefined) this.#pending.set(tenantId, (now = new Map()));
        for (const [id, at] of uses) if (!now.has(id)) now.set(id, at);
      }
      throw err;
    }
    return count;
  }
}
