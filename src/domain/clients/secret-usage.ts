import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { isoTime, type Clock } from '../../lib/clock.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import type { Executor } from '../../storage/repositories/executor.js';

/** Secrets updated per transaction: the embedded store writes synchronously, so a large flush goes in slices between requests. */
const FLUSH_SLICE = 500;

/**
 * When each client secret was last used. Recorded in memory on the token path (a Map write, no
 * I/O) and flushed to the database in batches, so that issuing a token never writes.
 */
export class SecretUsage {
  #pending = new Map<string, { tenantId: string; id: string; atMs: number }>();

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
  ) {}

  record(tenantId: string, secretId: string): void {
    this.#pending.set(`${tenantId}\u0000${secretId}`, { tenantId, id: secretId, atMs: this.clock.now() });
  }

  /** Writes what was recorded since the last flush; returns how many secrets it updated. */
  async flush(): Promise<number> {
    if (this.#pending.size === 0) return 0;
    const batch = this.#pending;
    this.#pending = new Map();
    const byTenant = new Map<string, { id: string; at: string }[]>();
    for (const use of batch.values()) {
      const list = byTenant.get(use.tenantId) ?? [];
      list.push({ id: use.id, at: isoTime(use.atMs) });
      byTenant.set(use.tenantId, list);
    }
    try {
      for (const [tenantId, uses] of byTenant) {
        for (let i = 0; i < uses.length; i += FLUSH_SLICE) {
          if (i > 0) await yieldToRequests();
          await this.db.transaction().execute((trx) => clientsRepo.touchSecrets(trx, tenantId, uses.slice(i, i + FLUSH_SLICE)));
        }
      }
    } catch (err) {
      // Kept for the next flush (the database may be down), unless a newer use replaced it meanwhile.
      for (const [key, use] of batch) if (!this.#pending.has(key)) this.#pending.set(key, use);
      throw err;
    }
    return batch.size;
  }
}
