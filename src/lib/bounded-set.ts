/**
 * Keys remembered in this process, at most `capacity` of them: adding one more forgets the one
 * added longest ago, so memory stays bounded whatever the keys (e.g. one per source address).
 */
export class BoundedSet {
  readonly #keys = new Set<string>();

  constructor(readonly capacity: number) {}

  /** Remembers `key`; false when it was already remembered. */
  add(key: string): boolean {
    if (this.#keys.has(key)) return false;
    if (this.#keys.size >= this.capacity) {
      // Sets iterate in insertion order: the first is the oldest.
      for (const oldest of this.#keys) {
        this.#keys.delete(oldest);
        break;
      }
    }
    this.#keys.add(key);
    return true;
  }

  get size(): number {
    return this.#keys.size;
  }
}
