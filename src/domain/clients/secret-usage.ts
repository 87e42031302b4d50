import { isoTime, type Clock } from '../../lib/clock.js';
import { AT_ONCE, type Pace } from '../../lib/pace.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { ROWS_PER_STATEMENT, writeCounts } from '../count-writes.js';
import { fitted } from '../../lib/typed-arrays.js';
import type { ClientSlots } from '../read-model/client-slots.js';

/** 2025-01-01T00:00:00Z: uses are kept in seconds since then (the time of last use is told to the second). */
const USE_EPOCH_S = 1_735_689_600;

/**
 * Uses of secrets by tenant (what `take` hands over): the secrets' ids, and when each was last
 * used in seconds since 2025-01-01, in two lists (no pair per secret to make, send and collect).
 */
export type SecretUses = [tenantId: string, secretIds: string[], atSeconds: number[]][];

/**
 * When each client secret was last used. Recorded in memory on the token path (a number written in
 * an array at the client's slot, no I/O) and flushed to the database in batches, so that issuing a
 * token never writes.
 */
export class SecretUsage {
  /**
   * Uses taken from elsewhere (other processes, a flush that failed) and uses the slots could not
   * hold, by tenant and secret id, in seconds since USE_EPOCH_S: a small integer, which a Map holds
   * without allocating (milliseconds since 1970 would be a heap number made on every use).
   */
  #pending = new Map<string, Map<string, number>>();
  /** The token path's uses since the last take, by client slot (ClientSlots): the secret last used, and when. */
  #bySlot: (string | undefined)[] = [];
  #bySlotAt = new Float64Array(0);

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
    /** The clients' slots (the read model's): what the token path's uses are kept by. */
    private readonly slots: ClientSlots,
  ) {}

  /** Notes that the client of `slot` authenticated with the secret `secretId`, now. */
  record(slot: number, secretId: string): void {
    const at = Math.floor(this.clock.now() / 1000) - USE_EPOCH_S;
    if (slot >= this.#bySlotAt.length) this.#grow(slot);
    const previous = this.#bySlot[slot];
    // A client using a second secret within the minute (a rotation): the first one's use goes aside.
    // #grow above made both arrays longer than the slot.
    if (previous !== undefined && previous !== secretId) this.#note(this.slots.tenantOf(slot), previous, this.#bySlotAt[slot]!);
    this.#bySlot[slot] = secretId;
    this.#bySlotAt[slot] = at;
  }

  #grow(slot: number): void {
    this.#bySlotAt = fitted(this.#bySlotAt, slot);
    // Filled, not extended by assignment: an array with a long gap becomes a slow dictionary.
    while (this.#bySlot.length < this.#bySlotAt.length) this.#bySlot.push(undefined);
  }

  /** Keeps a use in `#pending`, unless a later use of the secret is already there. */
  #note(tenantId: string, secretId: string, at: number): void {
    let uses = this.#pending.get(tenantId);
    if (uses === undefined) this.#pending.set(tenantId, (uses = new Map<string, number>()));
    const known = uses.get(secretId);
    if (known === undefined || at > known) uses.set(secretId, at);
  }

  /** Takes the token path's uses out of the slots: per tenant, the secrets' ids and times, in slot order. */
  #takeSlots(): Map<string, [secretIds: string[], atSeconds: number[]]> {
    const out = new Map<string, [string[], number[]]>();
    const secrets = this.#bySlot;
    for (let slot = 0; slot < secrets.length; slot++) {
      const secretId = secrets[slot];
      if (secretId === undefined) continue;
      secrets[slot] = undefined;
      const tenantId = this.slots.tenantOf(slot);
      let uses = out.get(tenantId);
      if (uses === undefined) out.set(tenantId, (uses = [[], []]));
      uses[0].push(secretId);
      // #grow keeps both arrays the same length.
      uses[1].push(this.#bySlotAt[slot]!);
    }
    return out;
  }

  /** Everything recorded since the last flush or take, each secret once (its latest use), leaving nothing pending. */
  #take(): Map<string, Map<string, number>> {
    // One time per id: parallel arrays, as #takeSlots builds them.
    for (const [tenantId, [ids, times]] of this.#takeSlots()) for (let i = 0; i < ids.length; i++) this.#note(tenantId, ids[i]!, times[i]!);
    const taken = this.#pending;
    this.#pending = new Map();
    return taken;
  }

  /**
   * Takes what was recorded since the last flush or take, leaving nothing pending (for a process
   * that writes it). A secret may be named twice (the later use wins where it is merged).
   */
  take(): SecretUses {
    const taken: SecretUses = [...this.#pending].map(([tenantId, uses]) => [tenantId, [...uses.keys()], [...uses.values()]]);
    this.#pending = new Map();
    for (const [tenantId, [ids, times]] of this.#takeSlots()) taken.push([tenantId, ids, times]);
    return taken;
  }

  /** Adds uses recorded elsewhere (taken by another process); the later use of a secret wins. */
  merge(uses: SecretUses): void {
    // One time per id: parallel arrays, as take() builds them (in whichever process).
    for (const [tenantId, ids, times] of uses) for (let i = 0; i < ids.length; i++) this.#note(tenantId, ids[i]!, times[i]!);
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
    await writeCounts(
      this.db,
      slices,
      pace,
      (trx, [tenantId, ids, at]) => clientsRepo.touchSecrets(trx, tenantId, ids, at.map(timeOf)),
      (unwritten) => this.merge(unwritten),
    );
    return slices.reduce((count, [, ids]) => count + ids.length, 0);
  }
}
