/**
 * Gathers the items asked for during one turn of the event loop and hands them to `flush`
 * together, once that turn's I/O has been read (setImmediate: no timer, no added wait when
 * alone), in batches of at most `max` items. Each ask resolves with its item's answer (`flush`
 * answers in the items' order) or rejects with `flush`'s error.
 */
export function turnBatched<T, R>(flush: (items: readonly T[]) => Promise<readonly R[]>, max = Infinity): (item: T) => Promise<R> {
  let waiting: { item: T; resolve: (answer: R) => void; reject: (err: unknown) => void }[] = [];
  const send = (): void => {
    const all = waiting;
    waiting = [];
    for (let start = 0; start < all.length; start += max) {
      const batch = all.slice(start, start + max);
      flush(batch.map((w) => w.item)).then(
        // flush answers one per item, in order.
        (answers) => batch.forEach((w, i) => w.resolve(answers[i]!)),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      );
    }
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(send);
      waiting.push({ item, resolve, reject });
    });
}
