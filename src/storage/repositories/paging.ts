/** A keyset page request: at most `limit` rows after the key `after`. */
export interface PageRequest {
  limit: number;
  after?: string | undefined;
}

export interface Page<T> {
  items: T[];
  /** The key of the last item when more rows follow, else null. */
  nextKey: string | null;
}

/** Cuts a `limit + 1` row fetch into a page and the key to continue from. */
export function toPage<R, T>(rows: R[], limit: number, key: (row: R) => string, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept.at(-1);
  return { items: kept.map(map), nextKey: more && last !== undefined ? key(last) : null };
}
