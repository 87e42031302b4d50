/**
 * Values kept under three label values, found without building a key string: the hot path looks
 * one up with three Map lookups and allocates only the first time a combination is seen.
 */
export class SeriesTree<A, B, C, T> {
  readonly #root = new Map<A, Map<B, Map<C, T>>>();
  /** Every value created so far, in creation order (what a scrape walks). */
  readonly all: T[] = [];

  constructor(private readonly create: (a: A, b: B, c: C) => T) {}

  get(a: A, b: B, c: C): T {
    let byA = this.#root.get(a);
    if (byA === undefined) this.#root.set(a, (byA = new Map<B, Map<C, T>>()));
    let byB = byA.get(b);
    if (byB === undefined) byA.set(b, (byB = new Map<C, T>()));
    let value = byB.get(c);
    if (value === undefined) {
      value = this.create(a, b, c);
      byB.set(c, value);
      this.all.push(value);
    }
    return value;
  }
}
