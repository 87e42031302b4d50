/**
 * Keys remembered until their own expiry, in this process only. Entries are kept in insertion
 * order and swept from the front on every add, so memory follows the live entries; an entry
 * behind a longer-lived one may linger a little past its expiry, never shorter.
 */
export class ExpiringSet {
  readonly #entries = new Map<string, number>();

  /** Whether `key` is remembered and unexpired at `nowMs`. */
  has(key: string, nowMs: number): boolean {
    const expiresAtMs = this.#entries.get(key);
    return expiresAtMs !== undefined && expiresAtMs > nowMs;
  }

  /** Remembers `key` until `expiresAtMs`; false when it was already remembered (and unexpired). */
  add(key: string, expiresAtMs: number, nowMs: number): boolean {
    this.#sweep(nowMs);
    if (this.has(key, nowMs)) return false;
    this.#entries.delete(key);
    this.#entries.set(key, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.#entries.size;
  }

  #sweep(nowMs: number): void {
    for (const [key, expiresAtMs] of this.#entries) {
      if (expiresAtMs > nowMs) return;
      this.#entries.delete(key);
    }
  }
}
