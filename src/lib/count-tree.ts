/**
 * Counts under three keys, kept as plain numbers in nested maps: a count is a Map entry holding a
 * small integer, so counting allocates nothing once a combination has been seen, and a hundred
 * thousand combinations (one per client) cost a few megabytes rather than an object each — which
 * the garbage collector would otherwise have to trace on every major collection.
 */
export class CountTree<A, B, C> {
  readonly #root = new Map<A, Map<B, Map<C, number>>>();
  #size = 0;

  /** How many combinations hold a count. */
  get size(): number {
    return this.#size;
  }

  add(a: A, b: B, c: C, n = 1): void {
    let byA = this.#root.get(a);
    if (byA === undefined) this.#root.set(a, (byA = new Map<B, Map<C, number>>()));
    let byB = byA.get(b);
    if (byB === undefined) byA.set(b, (byB = new Map<C, number>()));
    const count = byB.get(c);
    if (count === undefined) this.#size += 1;
    byB.set(c, (count ?? 0) + n);
  }

  /** Every combination and its count. */
  *entries(): IterableIterator<[A, B, C, number]> {
    for (const [a, byA] of this.#root) for (const [b, byB] of byA) for (const [c, n] of byB) yield [a, b, c, n];
  }
}
