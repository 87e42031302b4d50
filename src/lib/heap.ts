import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8 sets the size at which its next full collection starts from the live heap at the last one
 * and from the rate at which the old generation grew over its last few seconds (its allocation
 * tracer's window is 5 s). The first full collections of a process come while the read model is
 * loading, when that rate is at its highest, so the next is put off until the heap is about four
 * times the live set: with 100,000 clients, a worker grew to about 300 MB before collecting. One
 * full collection once the window has passed the load sizes the heap from a steady rate instead.
 */
const AFTER_LOAD_MS = 6_000;

let collect: (() => void) | null | undefined;

/** V8's `gc`, from a context of its own (the process's global object gets no `gc`); null if V8 refuses. */
function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  return collect;
}

let scheduled: NodeJS.Timeout | null = null;

/** V8's full collection, when V8 lets the process run one. */
const collectFully = (): void => collector()?.();

/**
 * Runs one full collection (`collect`, V8's by default) a few seconds from now, once however often
 * asked meanwhile: after a bulk load.
 */
export function settleHeapAfterLoad(delayMs = AFTER_LOAD_MS, collect: () => void = collectFully): void {
  if (scheduled) return;
  scheduled = setTimeout(() => {
    scheduled = null;
    collect();
  }, delayMs);
  scheduled.unref();
}
