/**
 * Values remembered in this process by key, at most `capacity` of them: adding one more forgets
 * the one added longest ago, so memory stays bounded whatever the keys.
 */
export class BoundedMap<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly capacity: number) {}

  /** The value remembered for `key`, if any. */
  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  /** Remembers `value` for `key`, forgetting the oldest entry when full. */
  set(key: K, value: V): void {
    if (!this.#entries.has(key) && this.#entries.size >= this.capacity) {
      // Maps iterate in insertion order: the first is the oldest.
      for (const oldest of this.#entries.keys()) {
        this.#entries.delete(oldest);
        break;
      }
    }
    this.#entries.set(key, value);
  }

  get size(): number {
    return this.#entries.size;
  }
}
