/**
 * A small number per client of every tenant, for the life of the process: what the token path's
 * counters (metrics, token activity, secret use) index their arrays by. With a hundred thousand
 * clients, counting in a typed array by slot reads one cache line, where a Map keyed by client id
 * walks a table of megabytes (several cache misses per counter per token).
 *
 * A slot is given the first time a (tenant, client id) is seen and never changes nor goes to
 * another client, so counts survive the read model's reloads. Slots are not given back: a client
 * deleted keeps its slot (a few dozen bytes), and gets it again if its id is used again.
 */
export class ClientSlots {
  readonly #byTenant = new Map<string, Map<string, number>>();
  readonly #tenantIds: string[] = [];
  readonly #clientIds: string[] = [];

  /** How many slots have been given: every slot is below this. */
  get size(): number {
    return this.#clientIds.length;
  }

  /** The client's slot, given now if it has none. */
  slotOf(tenantId: string, clientId: string): number {
    let slots = this.#byTenant.get(tenantId);
    if (slots === undefined) this.#byTenant.set(tenantId, (slots = new Map<string, number>()));
    let slot = slots.get(clientId);
    if (slot === undefined) {
      slot = this.#clientIds.length;
      slots.set(clientId, slot);
      this.#tenantIds.push(tenantId);
      this.#clientIds.push(clientId);
    }
    return slot;
  }

  tenantOf(slot: number): string {
    // Slots are only handed out by slotOf, which fills both arrays.
    return this.#tenantIds[slot]!;
  }

  /** The client id of a slot: the same string every time (the read model's entries share it). */
  clientOf(slot: number): string {
    // Slots are only handed out by slotOf, which fills both arrays.
    return this.#clientIds[slot]!;
  }
}
