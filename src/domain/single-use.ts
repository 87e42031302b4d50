import { turnBatched } from '../lib/turn-batch.js';
import type { JtiKey, JtiRow } from '../storage/repositories/single-use-jtis.js';

/** A value that may be used once: a client assertion's `jti`, or a federated assertion's (issuers with require_jti). */
export type SingleUseRecord =
  | { readonly kind: 'client_assertion'; readonly tenantId: string; readonly clientId: string; readonly jti: string; readonly expiresAtMs: number }
  | { readonly kind: 'federated_assertion'; readonly tenantId: string; readonly issuerId: string; readonly jti: string; readonly expiresAtMs: number };

/**
 * Records a single-use value somewhere else (a cluster worker: through its primary, the one
 * process of the cluster that writes them): true when recorded, false for a replay.
 */
export type RecordOnceElsewhere = (record: SingleUseRecord) => Promise<boolean>;

/** The most values one batch records. */
export const MAX_SINGLE_USE_BATCH = 256;

/**
 * Records single-use values (assertions' `jti`s, RFC 7523 §3 item 7) in batches: the values asked
 * for in one turn of the event loop go to the store together, through `insertNew` (one statement in
 * one transaction, one commit), which answers those that were new; the others were used before
 * (replays). A value asked for twice in one batch is new once at most. When a batch fails, each of
 * its values is recorded alone, so that a failure (its tenant deleted meanwhile) is its own only.
 */
export class SingleUseBatches {
  readonly #ask: (row: JtiRow) => Promise<PromiseSettledResult<boolean>>;

  constructor(private readonly insertNew: (rows: readonly JtiRow[]) => Promise<JtiKey[]>) {
    this.#ask = turnBatched((rows) => this.#recordBatch(rows), MAX_SINGLE_USE_BATCH);
  }

  /** Records the value; true when it was new, false when it was used before (a replay). Store failures are thrown. */
  async record(row: JtiRow): Promise<boolean> {
    const outcome = await this.#ask(row);
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  }

  /** Each row's outcome, in order: new (true), a replay (false), or the store's failure for that row. */
  async #recordBatch(rows: readonly JtiRow[]): Promise<PromiseSettledResult<boolean>[]> {
    const firsts = new Map<string, JtiRow>();
    for (const row of rows) if (!firsts.has(keyOf(row))) firsts.set(keyOf(row), row);
    let inserted: JtiKey[];
    try {
      inserted = await this.insertNew([...firsts.values()]);
    } catch {
      return Promise.allSettled(rows.map(async (row) => (await this.insertNew([row])).length === 1));
    }
    const fresh = new Set(inserted.map(keyOf));
    // The first ask of a value takes it; another ask of it in the batch is a replay.
    return rows.map((row) => ({ status: 'fulfilled', value: fresh.delete(keyOf(row)) }));
  }
}

/** Which value a row records (its tenant, owner and jti). */
function keyOf(row: JtiKey): string {
  return JSON.stringify([row.tenantId, row.ownerId, row.jti]);
}
