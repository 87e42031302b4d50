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

/** A value waiting for its batch. */
interface Waiting {
  readonly row: JtiRow;
  readonly resolve: (fresh: boolean) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Records single-use values (assertions' `jti`s, RFC 7523 §3 item 7) in batches: the values asked
 * for in one turn of the event loop go to the store together, through `insertNew` (one statement in
 * one transaction, one commit), which answers those that were new; the others were used before
 * (replays). A value asked for twice in one batch is new once at most. When a batch fails, each of
 * its values is recorded alone, so that a failure (its tenant deleted meanwhile) is its own only.
 */
export class SingleUseBatches {
  readonly #waiting: Waiting[] = [];
  #scheduled = false;

  constructor(private readonly insertNew: (rows: readonly JtiRow[]) => Promise<JtiKey[]>) {}

  /** Records the value; true when it was new, false when it was used before (a replay). Store failures are thrown. */
  record(row: JtiRow): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#waiting.push({ row, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      // The values of requests already received join before the batch goes (one turn, no timer).
      setImmediate(() => {
        this.#scheduled = false;
        while (this.#waiting.length > 0) void this.#recordBatch(this.#waiting.splice(0, MAX_SINGLE_USE_BATCH));
      });
    });
  }

  async #recordBatch(batch: readonly Waiting[]): Promise<void> {
    const firsts = new Map<string, JtiRow>();
    for (const { row } of batch) if (!firsts.has(keyOf(row))) firsts.set(keyOf(row), row);
    let inserted: JtiKey[];
    try {
      inserted = await this.insertNew([...firsts.values()]);
    } catch {
      await Promise.all(batch.map((waiting) => this.#recordAlone(waiting)));
      return;
    }
    const fresh = new Set(inserted.map(keyOf));
    // The first ask of a value takes it; another ask of it in the batch is a replay.
    for (const { row, resolve } of batch) resolve(fresh.delete(keyOf(row)));
  }

  async #recordAlone({ row, resolve, reject }: Waiting): Promise<void> {
    try {
      resolve((await this.insertNew([row])).length === 1);
    } catch (err) {
      reject(err);
    }
  }
}

/** Which value a row records (its tenant, owner and jti). */
function keyOf(row: JtiKey): string {
  return JSON.stringify([row.tenantId, row.ownerId, row.jti]);
}
